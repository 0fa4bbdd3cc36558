// The inits under test: the anchors (tools svinit must beat) and svinit's two engines, each as
// the command that runs as PID 1 with the services at /etc/service.
import { execFileSync } from 'node:child_process';
import { GROUP_WAIT, SVINIT_BIN, TRAP_WRAPPER, svinitBuilt } from './paths.js';

/** One init under test. */
export interface InitSpec {
  readonly id: string;
  readonly label: string;
  readonly role: 'anchor' | 'svinit' | 'reference';
  /** Why it cannot run here ("n/a (not built)", "skipped: ..."), or null when it can. */
  readonly unavailable: string | null;
  /** PID 1's command line; `extra` adds init-specific flags (svinit only). */
  argv(extra?: readonly string[]): string[];
}

function which(cmd: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

function missing(tools: readonly string[], why: ReadonlyMap<string, string>): string | null {
  const absent = tools.filter((t) => which(t) === null);
  if (absent.length === 0) return null;
  const reasons = absent.map((t) => why.get(t) ?? `${t} is not installed`);
  return `skipped: ${reasons.join('; ')}`;
}

/** Every init, in table order; `why` maps a missing tool to the setup's reason. */
export function allInits(why: ReadonlyMap<string, string> = new Map()): InitSpec[] {
  const runit = ['runsvdir', 'runsv', 'sv'];
  const built = svinitBuilt();
  const svinit = (engine: 'builtin' | 'runit'): InitSpec => ({
    id: `svinit-${engine}`,
    label: `svinit --engine ${engine}`,
    role: 'svinit',
    unavailable: !built ? 'n/a (not built)' : engine === 'runit' ? missing(runit, why) : null,
    // --report json puts one JSON line on stderr at shutdown; the bench keeps it.
    argv: (extra = []) => [SVINIT_BIN, '--dir', '/etc/service', '--engine', engine, '--report', 'json', ...extra],
  });
  return [
    {
      id: 'tini', label: 'tini -- runsvdir', role: 'anchor', unavailable: missing(['tini', ...runit], why),
      argv: () => ['tini', '--', 'runsvdir', '/etc/service'],
    },
    {
      id: 'dumb-init', label: 'dumb-init runsvdir', role: 'anchor', unavailable: missing(['dumb-init', ...runit], why),
      argv: () => ['dumb-init', 'runsvdir', '/etc/service'],
    },
    {
      id: 'sh-trap', label: 'sh trap + sv stop', role: 'anchor', unavailable: missing(runit, why),
      argv: () => ['/bin/sh', TRAP_WRAPPER],
    },
    {
      id: 'runsvdir', label: 'runsvdir (plain)', role: 'anchor', unavailable: missing(runit, why),
      argv: () => ['runsvdir', '/etc/service'],
    },
    svinit('builtin'),
    svinit('runit'),
  ];
}

/**
 * The limit of a graceful stop, for the stop-latency scenario only: no supervisor, every ./run
 * started by a bash script that waits for them, under `tini -g` (one kill(2) of the process
 * group delivers TERM to all; tini reaps the script and exits at once).
 */
export function tiniGroup(tini: InitSpec | undefined): InitSpec {
  return {
    id: 'tini-group', label: 'tini -g + bash wait', role: 'anchor',
    unavailable: tini === undefined ? 'skipped: no tini row' : (tini.unavailable ?? missing(['bash'], new Map())),
    argv: () => ['tini', '-g', '--', '/bin/bash', GROUP_WAIT],
  };
}
