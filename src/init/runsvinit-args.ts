// runsvinit's command line, translated to svinit's: the Go seed took `-debug` and `-reap[=BOOL]`
// in Go's flag syntax (one or two dashes, `=value` for booleans). Those map to -v and --no-reap;
// svinit's own long options pass through; anything else is a clear usage error (exit 2, Go's).
import { UsageError } from './options.js';

/** Go's strconv.ParseBool spellings, which the flag package accepts for a boolean flag. */
const GO_BOOL: Readonly<Record<string, boolean>> = {
  '1': true, t: true, T: true, TRUE: true, true: true, True: true,
  '0': false, f: false, F: false, FALSE: false, false: false, False: false,
};

/** svinit options that runsvinit passes through unchanged (value-taking ones take their value). */
const PASS_FLAG = new Set(['--verbose', '-v', '--quiet', '-q', '--no-reap', '--version', '--help', '-h']);
const PASS_VALUE = new Set(['--dir', '--grace', '--engine', '--report']);

function goBool(flag: string, value: string | null): boolean {
  if (value === null) return true;
  const b = GO_BOOL[value];
  if (b === undefined) throw new UsageError(`unable to use -${flag}=${value}: give true or false, e.g. -${flag}=false`);
  return b;
}

/** `runsvinit --help`: runsvinit's own flags first, then what it shares with svinit. */
export const RUNSVINIT_HELP = `usage: runsvinit [-debug] [-reap[=true|false]] [svinit options]

A drop-in for the Go runsvinit: svinit supervising the service directory (--dir, else $SVDIR,
else /etc/service) as runit's runsvdir would, reaping orphans as PID 1, and stopping every service
gracefully on SIGTERM or SIGINT within the grace.

runsvinit's flags (Go flag syntax: one or two dashes, =value for booleans):
  -debug              log every start, exit and reaped orphan (svinit -v)
  -reap=false         do not reap orphans (svinit --no-reap); -reap and -reap=true are the default
  -h, -help, --help   print this help and exit

svinit's own options are accepted too: --dir DIR, --grace SECONDS, --engine NAME, --report FORMAT,
-v, -q, --no-reap, --version (see svinit --help). runsvinit takes no command: put it in a service
directory, or run svinit -- CMD. A bad flag exits 2, as Go's flag package does.
See docs/commands/svinit.md.`;

/** Whether runsvinit's arguments ask for its help (before anything else is checked). */
export function wantsRunsvinitHelp(argv: readonly string[]): boolean {
  return argv.some((a) => a === '-h' || a === '-help' || a === '--help');
}

/** Translates runsvinit's arguments into svinit's; throws UsageError. */
export function mapRunsvinitArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] ?? '';
    if (raw === '--') {
      throw new UsageError('unable to use "--": runsvinit takes no command; put it in a service directory');
    }
    const eq = raw.indexOf('=');
    const head = eq > 0 ? raw.slice(0, eq) : raw;
    if (PASS_FLAG.has(raw) || PASS_VALUE.has(head)) {
      out.push(raw);
      if (PASS_VALUE.has(head) && eq < 0 && i + 1 < argv.length) out.push(argv[++i] as string);
      continue;
    }
    const m = /^--?([a-z]+)$/.exec(head);
    const name = m?.[1];
    const value = eq > 0 ? raw.slice(eq + 1) : null;
    if (name === 'debug') {
      if (goBool('debug', value)) out.push('-v');
    } else if (name === 'reap') {
      if (!goBool('reap', value)) out.push('--no-reap');
    } else if (name === 'help') {
      out.push('--help');
    } else {
      throw new UsageError(
        `unable to use "${raw}": runsvinit accepts -debug, -reap[=true|false] and svinit's options (see svinit --help)`,
      );
    }
  }
  return out;
}
