// The CLI's output: whole lines written synchronously to fd 1 or fd 2 (never console or
// process.stdout, which are asynchronous on pipes and can lose the last line at exit).
import { writeSync } from 'node:fs';

/** Where a command writes: one call per finished line, without the newline. */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
    } catch (err) {
      // A terminal or pipe left in O_NONBLOCK by someone else: retry rather than lose the line.
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      // EPIPE/EBADF: nobody is listening; the exit code still tells the story.
      return;
    }
  }
}

/** Output to the process's own stdout and stderr. */
export const stdio: CliOutput = {
  out: (line) => writeAll(1, `${line}\n`),
  err: (line) => writeAll(2, `${line}\n`),
};

/** Output collected into arrays (for tests that call runCli in-process). */
export function collectOutput(): CliOutput & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}
