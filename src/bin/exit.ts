// How an entry ends: with the code its work resolved to, or 101 after printing an internal error.
import { writeSync } from 'node:fs';

/** Exits with `work`'s code; a rejection is an internal error (exit 101), reported on stderr. */
export function exitWhenDone(prog: string, work: Promise<number>): void {
  work.then(
    (code) => process.exit(code),
    (err: unknown) => {
      try {
        writeSync(2, `${prog}: fatal: internal error: ${(err as Error).stack ?? String(err)}\n`);
      } catch {
        // stderr is gone; the exit code still says it
      }
      process.exit(101);
    },
  );
}
