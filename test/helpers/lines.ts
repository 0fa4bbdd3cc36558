// Reading a child's output line by line from a pipe fd, with a deadline instead of sleeps.
import { Socket } from 'node:net';

/** Reads lines from `fd` (a pipe read end; taken over and closed by close()). */
export class LineReader {
  readonly #socket: Socket;
  readonly #lines: string[] = [];
  #partial = '';
  #ended = false;
  #wake: (() => void) | null = null;

  constructor(fd: number) {
    this.#socket = new Socket({ fd, readable: true, writable: false });
    this.#socket.setEncoding('utf8');
    this.#socket.on('data', (chunk: string) => {
      const parts = (this.#partial + chunk).split('\n');
      this.#partial = parts.pop() ?? '';
      this.#lines.push(...parts);
      this.#wake?.();
    });
    const end = (): void => {
      this.#ended = true;
      this.#wake?.();
    };
    this.#socket.on('end', end);
    this.#socket.on('error', end);
  }

  /** The next line; rejects after `timeoutMs` or at end of file. */
  async next(timeoutMs = 20000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.#lines.length === 0) {
      if (this.#ended) throw new Error('end of output before the expected line');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = null;
    }
    return this.#lines.shift() as string;
  }

  close(): void {
    this.#socket.destroy();
  }
}
