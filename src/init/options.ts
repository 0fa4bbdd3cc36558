// The init's command line: `svinit [options] [--] [CMD...]`, with the service directory, the
// shutdown budget, the engine and the main command's mode; every mistake is a one-line error that
// names the flag and the fix. Not util.parseArgs: it does not stop at the first non-option.
import type { CommandSpec } from '../command/main-command.js';
import { DEFAULT_ENV_DIRS } from '../lifecycle/container-env.js';
import { DEFAULT_FINISH_DIRS, DEFAULT_HOOK_TIMEOUT_MS, DEFAULT_INIT_DIRS } from '../lifecycle/hooks.js';
import { parseSignal, SIG, signalName } from '../process/signals.js';
import { isIPv4, isIPv6 } from 'node:net';
import type { HttpAddress } from '../http/server.js';

/** What `svinit [options] [--] [CMD...]` was asked to do. */
export interface InitOptions {
  readonly dir: string;
  /**
   * Where the service directory came from: a missing default /etc/service is "no services" in
   * command mode, while a missing --dir or $SVDIR stays a setup error.
   */
  readonly dirGiven: boolean;
  /** --no-services: no service directory at all. */
  readonly services: boolean;
  /** The whole shutdown budget in ms, from the stop signal to SIGKILL of whatever is left. */
  readonly graceMs: number;
  readonly engine: 'builtin' | 'runit';
  readonly verbosity: 'quiet' | 'normal' | 'verbose';
  readonly reap: boolean;
  readonly report: 'text' | 'json';
  /** -p SIG: svinit gets SIG when its parent dies (and forwards it like any other). */
  readonly pdeathsig: number | null;
  /** --stop-signal SIG (repeatable): more signals that start the shutdown, beside TERM, INT (and QUIT in service mode). */
  readonly stopSignals: readonly number[];
  /** Start-up hook directories (--init-dir, repeatable), in order; default my_init's, s6-overlay's, svinit's. */
  readonly initDirs: readonly string[];
  /** Finish hook directories (--finish-dir, repeatable). */
  readonly finishDirs: readonly string[];
  /** The container's environment directories (--env-dir, repeatable); a later one wins. */
  readonly envDirs: readonly string[];
  /** How long one hook may run (--hook-timeout SECONDS). */
  readonly hookTimeoutMs: number;
  /** What a failed start-up hook does (--on-hook-failure): stop (exit 111), warn, or ignore. */
  readonly onHookFailure: 'stop' | 'warn' | 'ignore';
  /** The main command, or null in service mode. */
  readonly command: CommandSpec | null;
  /** --log-prefix / --log-format json: services' output through svinit, line by line ('inherit': runit's way). */
  readonly logFormat: 'inherit' | 'prefix' | 'json';
  /** --critical NAME (repeatable): services whose failure for good ends the container. */
  readonly critical: readonly string[];
  /** --http [ADDR:]PORT: where the probes' HTTP server listens; null (the default): no server, node:http never loaded. */
  readonly http: HttpAddress | null;
  /** --drain SECONDS: ms between reporting not ready and the first stop signal, inside the grace (0: none). */
  readonly drainMs: number;
  /**
   * --wait-ready[=SECONDS]: CMD starts once every service is ready; null = CMD starts at once,
   * Infinity = no limit, else the ms after which CMD starts anyway, with a warning.
   */
  readonly waitReadyMs: number | null;
}

export type ParsedCommand =
  | { readonly kind: 'run'; readonly options: InitOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' };

/** A mistake on the command line; the message is one line and names the fix. */
export class UsageError extends Error {
  readonly code = 'ERR_INIT_USAGE';
}

export const DEFAULT_GRACE_S = 7;

/** The default service directory ($SVDIR and --dir override it). */
export const DEFAULT_DIR = '/etc/service';

export const HELP = `usage: svinit [options] [--] [CMD [ARGS...]]

Supervises every service directory under DIR as runit's runsvdir would, reaps orphans as PID 1,
and on SIGTERM or SIGINT stops every service gracefully within the grace period. With CMD, runs it
as the main command, as tini and dumb-init do: signals are forwarded to it, the services are
stopped after it, and svinit exits with its status. The first argument that is not an option
starts CMD.

options:
  --dir DIR           service directory (default: $SVDIR, else /etc/service)
  --no-services       no service directory: a plain init around CMD
  --grace SECONDS     shutdown budget from the stop signal to SIGKILL (default 7; $SVINIT_GRACE)
  --engine NAME       builtin (default) or runit (runs Debian's runsvdir and drives its runsv)
  --report FORMAT     shutdown report on stderr: text (default) or json
  -c, --single-child  CMD in a new process group; signals go to CMD alone (tini's way)
  -g, --kill-group    with --single-child, signals go to CMD's whole process group
  -r, --rewrite S:R   forward signal S as R (names or numbers); R = 0 drops S (repeatable)
  -e N                CMD's exit code N makes svinit exit 0 (repeatable)
  --exit-remap N:M    CMD's exit code N makes svinit exit M (repeatable)
  -s, --subreaper     adopt orphans when not PID 1 (always on; accepted for tini's -s)
  -p, --pdeathsig SIG svinit gets SIG when its parent dies, and forwards it to CMD
  --init-dir DIR      start-up hooks: run each executable of DIR in order before anything
                      starts (repeatable; default /etc/my_init.d, /etc/cont-init.d,
                      /etc/svinit/init.d, those that exist)
  --finish-dir DIR    finish hooks, run once everything is down, inside the grace
                      (repeatable; default /etc/cont-finish.d, /etc/svinit/finish.d)
  --env-dir DIR       environment directory, one file per variable as chpst -e (repeatable;
                      default /etc/container_environment, /etc/svinit/env; a later one wins)
  --hook-timeout SECONDS  how long one hook may run (default 60)
  --on-hook-failure WHAT  stop (default: nothing starts, exit 111), warn, or ignore
  --log-prefix        each service's output goes through svinit, each line as "name | line"
                      (stdout stays stdout, stderr stderr)
  --log-format FORMAT text (default) or json: one JSON object per line, services' and svinit's
  --stop-signal SIG   SIG also starts the shutdown, e.g. RTMIN+3 or PWR (repeatable;
                      with CMD it is forwarded too and starts the grace clock)
  --http [ADDR:]PORT  serve GET /healthz, /readyz, /status and /metrics (read-only) on
                      ADDR:PORT (default ADDR 127.0.0.1; 0.0.0.0 for Kubernetes httpGet probes)
  --critical NAME     when service NAME fails for good (gave up, or ended after sv once),
                      stop everything and exit with its status (repeatable; or a file
                      named critical in its directory)
  --wait-ready[=SECONDS]  start CMD only once every service is ready (notification-fd,
                      notify, check; else up); after SECONDS start it anyway, with a warning
                      (without =SECONDS: no limit)
  --drain SECONDS     at a shutdown, report not ready at once and wait SECONDS (inside the
                      grace) before the first stop signal to a service
  -v, --verbose       log more (every start, exit and reaped orphan)
  -q, --quiet         log warnings and errors only
  --no-reap           do not reap orphans (debugging only)
  --version           print the version and exit
  -h, --help          print this help and exit

commands (as the first argument only):
  svinit sv [-v] [-w SEC] COMMAND SERVICE...   runit's sv, for svinit's and runsv's services
  svinit status [--json] [SERVICE...]          every service at a glance
  svinit check [--ready]                       exit 0 if and only if every wanted service is up
                                               (--ready: and ready)
`;

function parseGrace(text: string, source: string): number {
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) <= 0 || Number(text) > 86400) {
    throw new UsageError(`unable to use ${source} "${text}": give a number of seconds above 0, e.g. ${source.startsWith("--") ? source : "--grace"} 25`);
  }
  return Math.round(Number(text) * 1000);
}

/** The default address of --http: loopback only; the pod's address must be asked for. */
export const DEFAULT_HTTP_HOST = '127.0.0.1';

/** Parses --http's value: PORT, IPV4:PORT or [IPV6]:PORT (an address, never a name to resolve). */
export function parseHttpAddress(text: string): HttpAddress {
  const fix = 'give PORT, ADDR:PORT or [ADDR]:PORT with an IP address, e.g. --http 8080 or --http 0.0.0.0:8080';
  const m = /^(?:(\[[^\]]*\]|[^:[\]]*):)?(\d{1,5})$/.exec(text);
  if (m === null) throw new UsageError(`unable to use --http "${text}": ${fix}`);
  const port = Number(m[2]);
  if (port > 65535) throw new UsageError(`unable to use --http "${text}": port ${port} is above 65535; ${fix}`);
  const raw = m[1];
  if (raw === undefined) return { host: DEFAULT_HTTP_HOST, port };
  const host = raw.startsWith('[') ? raw.slice(1, -1) : raw;
  if (raw.startsWith('[') ? !isIPv6(host) : !isIPv4(host)) {
    throw new UsageError(`unable to use --http "${text}": "${host}" is not an IP${raw.startsWith('[') ? 'v6' : 'v4'} address; ${fix}`);
  }
  return { host, port };
}

function takeValue(argv: readonly string[], i: number, flag: string): string {
  const value = argv[i + 1];
  if (value === undefined || value === '') throw new UsageError(`unable to use ${flag}: it needs a value (see svinit --help)`);
  return value;
}

function parseCode(text: string, flag: string): number {
  if (!/^\d{1,3}$/.test(text) || Number(text) > 255) {
    throw new UsageError(`unable to use ${flag} "${text}": give an exit code from 0 to 255, e.g. ${flag === '-e' ? '-e 143' : '--exit-remap 143:0'}`);
  }
  return Number(text);
}

function parsePair<T>(text: string, flag: string, each: (part: string) => T): [T, T] {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) {
    throw new UsageError(`unable to use ${flag} "${text}": give two values joined by a colon, e.g. ${flag.startsWith('-r') || flag === '--rewrite' ? 'TERM:QUIT' : '143:0'}`);
  }
  return [each(text.slice(0, colon)), each(text.slice(colon + 1))];
}

/** Signals that can never start the shutdown: KILL and STOP cannot be caught, CHLD is the reaper's. */
const UNCATCHABLE: ReadonlySet<number> = new Set([SIG.KILL, SIG.STOP, SIG.CHLD]);

function signalArg(text: string, flag: string, zeroOk: boolean): number {
  if (zeroOk && text.trim() === '0') return 0;
  try {
    return parseSignal(text);
  } catch {
    throw new UsageError(`unable to use ${flag}: "${text}" is not a signal; give a name such as TERM or SIGUSR1, or a number${zeroOk ? ' (0 drops it)' : ''}`);
  }
}

/**
 * Parses the init's arguments (without node and the script); throws UsageError. Parsing stops at
 * the first argument that is not an option, which starts CMD; `--` ends the options explicitly
 * (`svinit -- -- true` runs a program named `--`).
 */
export function parseInitArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedCommand {
  const envDir = env['SVDIR'] !== undefined && env['SVDIR'] !== '' ? env['SVDIR'] : null;
  let dir = envDir ?? DEFAULT_DIR;
  let dirGiven = envDir !== null;
  let services = true;
  let graceMs = env['SVINIT_GRACE'] !== undefined && env['SVINIT_GRACE'] !== ''
    ? parseGrace(env['SVINIT_GRACE'], 'SVINIT_GRACE') : DEFAULT_GRACE_S * 1000;
  let engine: InitOptions['engine'] = 'builtin';
  let verbosity: InitOptions['verbosity'] = 'normal';
  let reap = true;
  let report: InitOptions['report'] = 'text';
  let singleChild = false;
  let killGroup = false;
  let pdeathsig: number | null = null;
  const stopSignals: number[] = [];
  const initDirs: string[] = [];
  const finishDirs: string[] = [];
  const envDirs: string[] = [];
  let hookTimeoutMs = DEFAULT_HOOK_TIMEOUT_MS;
  let onHookFailure: InitOptions['onHookFailure'] = 'stop';
  const critical: string[] = [];
  let drainMs = 0;
  let waitReadyMs: number | null = null;
  let logPrefix = false;
  let logJson = false;
  let http: HttpAddress | null = null;
  const rewrite = new Map<number, number>();
  const exitRemap = new Map<number, number>();
  let cmd: string[] | null = null;
  for (let i = 0; i < argv.length && cmd === null; i++) {
    const raw = argv[i] ?? '';
    if (raw === '--') {
      cmd = argv.slice(i + 1);
      if (cmd.length === 0) throw new UsageError('unable to use "--": give the command after it, e.g. svinit -- nginx -g "daemon off;"');
      break;
    }
    if (!raw.startsWith('-') || raw === '-') {
      cmd = argv.slice(i);
      break;
    }
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const arg = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : null;
    const value = (): string => {
      if (inline !== null) return inline;
      const v = takeValue(argv, i, arg);
      i++;
      return v;
    };
    switch (arg) {
      case '--dir': dir = value(); dirGiven = true; break;
      case '--no-services': services = false; break;
      case '--grace': graceMs = parseGrace(value(), '--grace'); break;
      case '--engine': {
        const v = value();
        if (v !== 'builtin' && v !== 'runit') throw new UsageError(`unable to use --engine "${v}": choose builtin or runit`);
        engine = v;
        break;
      }
      case '--report': {
        const v = value();
        if (v !== 'text' && v !== 'json') throw new UsageError(`unable to use --report "${v}": choose text or json`);
        report = v;
        break;
      }
      case '-c': case '--single-child': singleChild = true; break;
      case '-g': case '--kill-group': killGroup = true; break;
      case '-r': case '--rewrite': {
        const [from, to] = parsePair(value(), arg, (part) => part);
        rewrite.set(signalArg(from, arg, false), signalArg(to, arg, true));
        break;
      }
      case '-e': exitRemap.set(parseCode(value(), '-e'), 0); break;
      case '--exit-remap': {
        const [from, to] = parsePair(value(), '--exit-remap', (part) => parseCode(part, '--exit-remap'));
        exitRemap.set(from, to);
        break;
      }
      case '-s': case '--subreaper': break;
      case '-p': case '--pdeathsig': pdeathsig = signalArg(value(), arg, false); break;
      case '--init-dir': initDirs.push(value()); break;
      case '--finish-dir': finishDirs.push(value()); break;
      case '--env-dir': envDirs.push(value()); break;
      case '--hook-timeout': hookTimeoutMs = parseGrace(value(), '--hook-timeout'); break;
      case '--on-hook-failure': {
        const v = value();
        if (v !== 'stop' && v !== 'warn' && v !== 'ignore') throw new UsageError(`unable to use --on-hook-failure "${v}": choose stop, warn or ignore`);
        onHookFailure = v;
        break;
      }
      case '--log-prefix': logPrefix = true; break;
      case '--log-format': {
        const v = value();
        if (v !== 'text' && v !== 'json') throw new UsageError(`unable to use --log-format "${v}": choose text or json`);
        logJson = v === 'json';
        break;
      }
      case '--stop-signal': {
        const sig = signalArg(value(), arg, false);
        if (UNCATCHABLE.has(sig)) {
          throw new UsageError(`unable to use --stop-signal ${signalName(sig)}: ${sig === SIG.CHLD ? 'SIGCHLD belongs to the reaper' : 'it cannot be caught'}; choose another, e.g. RTMIN+3 or PWR`);
        }
        if (!stopSignals.includes(sig)) stopSignals.push(sig);
        break;
      }
      case '--critical': {
        const name = value();
        if (name.includes('/') || name.startsWith('.')) {
          throw new UsageError(`unable to use --critical "${name}": give the name of a service directory under --dir, e.g. --critical web`);
        }
        if (!critical.includes(name)) critical.push(name);
        break;
      }
      case '--http': http = parseHttpAddress(value()); break;
      case '--drain': {
        const v = value();
        if (!/^\d+(\.\d+)?$/.test(v) || Number(v) > 86400) throw new UsageError(`unable to use --drain "${v}": give a number of seconds, e.g. --drain 5`);
        drainMs = Math.round(Number(v) * 1000);
        break;
      }
      case '--wait-ready':
        // The value only with "=": a bare --wait-ready followed by CMD must not eat CMD's name.
        waitReadyMs = inline === null ? Infinity : parseGrace(inline, '--wait-ready');
        break;
      case '-v': case '--verbose': verbosity = 'verbose'; break;
      case '-q': case '--quiet': verbosity = 'quiet'; break;
      case '--no-reap': reap = false; break;
      case '--version': return { kind: 'version' };
      case '-h': case '--help': return { kind: 'help' };
      default:
        throw new UsageError(`unable to use "${raw}": unknown option (see svinit --help)`);
    }
  }
  if (cmd === null && !services) throw new UsageError('unable to use --no-services without a command: give one, e.g. svinit --no-services -- myapp');
  if (cmd === null && (singleChild || killGroup || rewrite.size > 0 || exitRemap.size > 0)) {
    throw new UsageError('unable to use -c, -g, -r, -e or --exit-remap without a command: they shape the main command; give one after --');
  }
  if (http !== null && engine === 'runit') {
    throw new UsageError('unable to use --http with --engine runit: runsv keeps each service\'s state in its own process and files; use the built-in engine, or svinit status --json');
  }
  if (cmd === null && waitReadyMs !== null) throw new UsageError('unable to use --wait-ready without a command: it delays the main command; give one after --');
  if (drainMs >= graceMs) throw new UsageError(`unable to use --drain ${drainMs / 1000}: it must be shorter than the grace (${graceMs / 1000} s), which it is part of; raise --grace`);
  const command: CommandSpec | null = cmd === null ? null : { argv: cmd, singleChild, killGroup, rewrite, exitRemap };
  return { kind: 'run', options: { dir, dirGiven, services, graceMs, engine, verbosity, reap, report, pdeathsig, stopSignals,
    initDirs: initDirs.length > 0 ? initDirs : DEFAULT_INIT_DIRS,
    finishDirs: finishDirs.length > 0 ? finishDirs : DEFAULT_FINISH_DIRS,
    envDirs: envDirs.length > 0 ? envDirs : DEFAULT_ENV_DIRS,
    hookTimeoutMs, onHookFailure, command, critical, http, drainMs, waitReadyMs, logFormat: logJson ? 'json' : logPrefix ? 'prefix' : 'inherit' } };
}
