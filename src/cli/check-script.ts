// Runs a service's `check` script the way sv does (cwd = the service directory, argv[0]
// "./check", sv's environment, no stdout), through the native spawn: the CLI never loads
// child_process. The wait is driven by SIGCHLD, and the script is killed at the caller's deadline.
import { join } from 'node:path';
import { stderrWarningLine } from '../protocol/sv-format.js';
import { kill, waitpid } from '../native/native.js';
import { SIG } from '../process/signals.js';
import { spawn } from '../process/spawn.js';
import { checkScriptExists } from './inspect.js';

/** How a check script run ended. */
export type CheckScriptResult = 'pass' | 'fail';

function errnoCode(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'EIO';
}

// Resolves when `pid` has exited: its raw status, or null if it was killed at the deadline.
function awaitExit(pid: number, deadlineMs: number): Promise<number | null> {
  return new Promise((resolveExit) => {
    const finish = (status: number | null): void => {
      process.removeListener('SIGCHLD', onChild);
      clearTimeout(timer);
      resolveExit(status);
    };
    // waitpid on this pid only: never steal another child's exit status.
    const onChild = (): void => {
      const r = waitpid(pid, true);
      if (r !== null) finish(r.status);
    };
    process.on('SIGCHLD', onChild);
    const timer = setTimeout(() => {
      kill(pid, SIG.KILL);
      waitpid(pid, false);
      finish(null);
    }, Math.max(0, deadlineMs - Date.now()));
    // The child may have exited before the listener was in place.
    onChild();
  });
}

/** How a check script is judged. */
export interface CheckScriptOptions {
  /** The script is SIGKILLed at this wall-clock time (ms) and fails. */
  readonly deadlineMs: number;
  /**
   * false (sv): runit's rules, where a script that cannot be exec'd or dies by a signal passes
   * (docs/sv-differences.md). true (svinit check): only exit 0 passes.
   */
  readonly strict: boolean;
}

/**
 * Runs NAME's check script in `dir`; no script means 'pass'. `warn` gets sv's stderr warnings
 * (`warning: unable to run NAME/check: ERR`).
 */
export async function runCheckScript(
  dir: string,
  name: string,
  env: NodeJS.ProcessEnv,
  opts: CheckScriptOptions,
  warn: (line: string) => void,
): Promise<CheckScriptResult> {
  const exists = checkScriptExists(dir);
  if (exists === false) return 'pass';
  if (exists !== true) {
    warn(stderrWarningLine('stat', `${name}/check`, exists));
    return 'fail';
  }
  let pid: number;
  try {
    // stdout to /dev/null: sv closes fd 1, which makes a script's echo fail with EBADF.
    pid = spawn({ file: join(dir, 'check'), argv: ['./check'], cwd: dir, env, stdio: ['inherit', 'null', 'inherit'] });
  } catch (err) {
    warn(stderrWarningLine('run', `${name}/check`, errnoCode(err)));
    return opts.strict ? 'fail' : 'pass';
  }
  const status = await awaitExit(pid, opts.deadlineMs);
  if (status === null) {
    warn(`warning: ${name}/check: timed out, killed`);
    return 'fail';
  }
  // runit's wait_exitcode(): a signal death reads as exit code 0.
  const code = (status & 0x7f) === 0 ? (status >> 8) & 0xff : opts.strict ? -1 : 0;
  return code === 0 ? 'pass' : 'fail';
}
