// `svinit sv` arguments, parsed like runit's sv (getopt "w:vV", then COMMAND SERVICE...), plus
// svinit's --dir (the service directory) and --lsb NAME (init-script mode, runit's argv[0] rule).

/** A parsed `svinit sv` command line. */
export interface SvArgs {
  readonly kind: 'run';
  readonly verbose: boolean;
  /** -w SEC, as given (leading digits only, like runit's scan_ulong); undefined = $SVWAIT or 7. */
  readonly waitSec: number | undefined;
  readonly dir: string | undefined;
  /** The LSB service name (init-script mode), or undefined in normal mode. */
  readonly lsb: string | undefined;
  readonly command: string;
  readonly services: readonly string[];
}

export type SvArgsResult =
  | SvArgs
  | { readonly kind: 'usage'; readonly lsb: string | undefined; readonly message?: string }
  | { readonly kind: 'version'; readonly lsb: string | undefined }
  | { readonly kind: 'help' };

/** runit's scan_ulong: the value of the leading decimal digits (none gives 0). */
export function leadingNumber(text: string): number {
  const m = /^\d+/.exec(text);
  return m === null ? 0 : Number(m[0]);
}

interface OptionState {
  verbose: boolean;
  waitSec: number | undefined;
  dir: string | undefined;
  lsb: string | undefined;
}

type Step = { next: number } | { stop: SvArgsResult };

// One short-option cluster such as -v, -w3, -vw 3 (getopt semantics).
function shortCluster(argv: readonly string[], i: number, st: OptionState): Step {
  const arg = argv[i] ?? '';
  for (let j = 1; j < arg.length; j++) {
    const c = arg.charAt(j);
    if (c === 'v') st.verbose = true;
    else if (c === 'V') return { stop: { kind: 'version', lsb: st.lsb } };
    else if (c === 'w') {
      const inline = arg.slice(j + 1);
      const value = inline !== '' ? inline : argv[i + 1];
      if (value === undefined) return { stop: { kind: 'usage', lsb: st.lsb, message: 'option requires an argument -- w' } };
      st.waitSec = leadingNumber(value);
      st.verbose = true; // runit: -w falls through to -v
      return { next: inline !== '' ? i + 1 : i + 2 };
    } else return { stop: { kind: 'usage', lsb: st.lsb, message: `illegal option -- ${c}` } };
  }
  return { next: i + 1 };
}

// --dir DIR, --dir=DIR, --lsb NAME, --lsb=NAME, --help.
function longOption(argv: readonly string[], i: number, st: OptionState): Step {
  const arg = argv[i] ?? '';
  if (arg === '--help') return { stop: { kind: 'help' } };
  const eq = arg.indexOf('=');
  const flag = eq > 0 ? arg.slice(0, eq) : arg;
  if (flag !== '--dir' && flag !== '--lsb') {
    return { stop: { kind: 'usage', lsb: st.lsb, message: `illegal option -- ${arg.slice(2)}` } };
  }
  const value = eq > 0 ? arg.slice(eq + 1) : argv[i + 1];
  if (value === undefined || value === '') {
    return { stop: { kind: 'usage', lsb: st.lsb, message: `option requires an argument -- ${flag.slice(2)}` } };
  }
  if (flag === '--dir') st.dir = value;
  else st.lsb = value;
  return { next: eq > 0 ? i + 1 : i + 2 };
}

/** Parses the arguments after `sv`; `lsbName` comes from argv[0] when invoked under another name. */
export function parseSvArgs(argv: readonly string[], lsbName?: string): SvArgsResult {
  const st: OptionState = { verbose: false, waitSec: undefined, dir: undefined, lsb: lsbName };
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const step = arg.startsWith('--') ? longOption(argv, i, st) : shortCluster(argv, i, st);
    if ('stop' in step) return step.stop;
    i = step.next;
  }
  const command = argv[i];
  if (command === undefined) return { kind: 'usage', lsb: st.lsb };
  // LSB mode: exactly one service, the script's name; anything after the command is ignored.
  const services = st.lsb !== undefined ? [st.lsb] : argv.slice(i + 1);
  if (services.length === 0) return { kind: 'usage', lsb: st.lsb };
  return { kind: 'run', verbose: st.verbose, waitSec: st.waitSec, dir: st.dir, lsb: st.lsb, command, services };
}

/** The wait limit in seconds: -w, else $SVWAIT (leading digits; junk gives 0), else 7. */
export function waitSeconds(args: Pick<SvArgs, 'waitSec'>, env: NodeJS.ProcessEnv): number {
  if (args.waitSec !== undefined) return args.waitSec;
  const svwait = env['SVWAIT'];
  return svwait === undefined ? 7 : leadingNumber(svwait);
}
