// How an entry ends: with the code its work resolved to, or 101 after printing an internal error.
import { writeSync } from 'node:fs';
import { exitNow } from '../native/native.js';
import { NativeLoadError } from '../native/loader.js';
import { EXIT_SETUP } from '../process/exit-codes.js';

/**
 * Exits with `work`'s code; a rejection is an internal error (exit 101), reported on stderr.
 * `fast` (the init): _exit through the addon, without Node's teardown, which a container's stop
 * would otherwise wait for; everything the init writes is synchronous, so nothing is lost.
 */
export function exitWhenDone(prog: string, work: Promise<number>, fast = false): void {
  const end = (code: number): void => {
    if (fast) {
      try {
        exitNow(code);
      } catch {
        // No addon (a setup error said so): Node's own exit.
      }
    }
    process.exit(code);
  };
  work.then(end, (err: unknown) => {
    if (err instanceof NativeLoadError) {
      // A setup error, not a bug: one line (what was looked for, where, the fix), exit 111.
      try {
        writeSync(2, `${prog}: fatal: ${err.message}\n`);
      } catch {
        // stderr is gone; the exit code still says it
      }
      end(EXIT_SETUP);
      return;
    }
    try {
      writeSync(2, `${prog}: fatal: internal error: ${(err as Error).stack ?? String(err)}\n`);
    } catch {
      // stderr is gone; the exit code still says it
    }
    end(101);
  });
}
