// The init's command line: `svinit [options]`, with the service directory, the shutdown budget
// and the engine; every mistake is a one-line error that names the flag and the fix.

/** What `svinit [options]` was asked to do. */
export interface InitOptions {
  readonly dir: string;
  /** The whole shutdown budget in ms, from the stop signal to SIGKILL of whatever is left. */
  readonly graceMs: number;
  readonly engine: 'builtin' | 'runit';
  readonly verbosity: 'quiet' | 'normal' | 'verbose';
  readonly reap: boolean;
  readonly report: 'text' | 'json';
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

export const HELP = `usage: svinit [options]

Supervises every service directory under DIR as runit's runsvdir would, reaps orphans as PID 1,
and on SIGTERM or SIGINT stops every service gracefully within the grace period.

options:
  --dir DIR           service directory (default: $SVDIR, else /etc/service)
  --grace SECONDS     shutdown budget from the stop signal to SIGKILL (default 7; $SVINIT_GRACE)
  --engine NAME       builtin (default) or runit (runs Debian's runsvdir and drives its runsv)
  --report FORMAT     shutdown report on stderr: text (default) or json
  -v, --verbose       log more (every start, exit and reaped orphan)
  -q, --quiet         log warnings and errors only
  --no-reap           do not reap orphans (debugging only)
  --version           print the version and exit
  -h, --help          print this help and exit

commands:
  svinit sv [-v] [-w SEC] COMMAND SERVICE...   runit's sv, for svinit's and runsv's services
  svinit status [--json] [SERVICE...]          every service at a glance
  svinit check                                 exit 0 if and only if every wanted service is up
`;

function parseGrace(text: string, source: string): number {
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) <= 0 || Number(text) > 86400) {
    throw new UsageError(`unable to use ${source} "${text}": give a number of seconds above 0, e.g. --grace 25`);
  }
  return Math.round(Number(text) * 1000);
}

function takeValue(argv: readonly string[], i: number, flag: string): string {
  const value = argv[i + 1];
  if (value === undefined || value === '') throw new UsageError(`unable to use ${flag}: it needs a value (see svinit --help)`);
  return value;
}

/** Parses the init's arguments (without node and the script); throws UsageError. */
export function parseInitArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedCommand {
  let dir = env['SVDIR'] !== undefined && env['SVDIR'] !== '' ? env['SVDIR'] : '/etc/service';
  let graceMs = env['SVINIT_GRACE'] !== undefined && env['SVINIT_GRACE'] !== ''
    ? parseGrace(env['SVINIT_GRACE'], 'SVINIT_GRACE') : DEFAULT_GRACE_S * 1000;
  let engine: InitOptions['engine'] = 'builtin';
  let verbosity: InitOptions['verbosity'] = 'normal';
  let reap = true;
  let report: InitOptions['report'] = 'text';
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] ?? '';
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
      case '--dir': dir = value(); break;
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
      case '-v': case '--verbose': verbosity = 'verbose'; break;
      case '-q': case '--quiet': verbosity = 'quiet'; break;
      case '--no-reap': reap = false; break;
      case '--version': return { kind: 'version' };
      case '-h': case '--help': return { kind: 'help' };
      case '--':
        throw new UsageError('unable to run a main command: svinit does not take one after -- yet; put it in a service directory');
      default:
        throw new UsageError(`unable to use "${raw}": unknown option (see svinit --help)`);
    }
  }
  return { kind: 'run', options: { dir, graceMs, engine, verbosity, reap, report } };
}
