// The control commands' entry: `svinit sv|status|check ...`. Each command module is loaded only
// when it runs, so a probe such as `svinit check` loads a handful of small files and nothing else.
import { basename } from 'node:path';
import type { CliOutput } from './output.js';
import { stdio } from './output.js';

/** Names under which svinit runs as itself; under any other argv[0] `sv` runs in LSB mode. */
const OWN_NAMES = new Set(['svinit', 'svinit.js', 'svinit.ts', 'sv', 'cli-entry.js', 'node']);

/** Optional context for runCli (tests pass their own output and cwd). */
export interface CliOptions {
  /** argv[0] as invoked; a basename not in svinit's own names means an init-script symlink. */
  readonly argv0?: string;
  readonly cwd?: string;
  readonly output?: CliOutput;
}

const USAGE = 'usage: svinit sv|status|check ... (see svinit sv --help, svinit status --help, svinit check --help)';

async function dispatch(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string, output: CliOutput, lsb?: string): Promise<number> {
  if (lsb !== undefined) return (await import('./sv.js')).runSv(argv, { env, cwd, output }, lsb);
  const [command, ...rest] = argv;
  switch (command) {
    case 'sv':
      return (await import('./sv.js')).runSv(rest, { env, cwd, output });
    case 'status':
      return (await import('./status.js')).runStatus(rest, env, cwd, output);
    case 'check':
      return (await import('./check.js')).runCheck(rest, env, cwd, output);
    default:
      output.err(`svinit: unable to run "${command ?? ''}": unknown command`);
      output.err(USAGE);
      return 100;
  }
}

/**
 * Runs `svinit sv|status|check ARGS` (argv without node and the script); returns the exit code
 * for the entry to pass to process.exit. Output goes to fd 1/2 as whole lines.
 */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv, options: CliOptions = {}): Promise<number> {
  const output = options.output ?? stdio;
  const cwd = options.cwd ?? process.cwd();
  const name = options.argv0 === undefined ? undefined : basename(options.argv0);
  const lsb = name !== undefined && !OWN_NAMES.has(name) ? name : undefined;
  try {
    return await dispatch(argv, env, cwd, output, lsb);
  } catch (err) {
    // A bug, not a user error: say so in one line, with the stack for the report.
    const e = err instanceof Error ? err : new Error(String(err));
    output.err(`svinit: fatal: unable to run ${lsb ?? argv[0] ?? 'command'}: ${e.message}`);
    if (e.stack !== undefined) output.err(e.stack);
    return lsb !== undefined ? 151 : 100;
  }
}
