// The init's own log: one synchronous write(2) per line, never process.stderr or console
// (on a pipe those are asynchronous, lose lines at exit, die on EPIPE and set O_NONBLOCK on
// the descriptor that the services share).
import { writeSync } from 'node:fs';

export type Level = 'debug' | 'info' | 'warning' | 'error' | 'fatal';

const RANK: Record<Level, number> = { debug: 0, info: 1, warning: 2, error: 3, fatal: 4 };

/**
 * `text` with every control character but tab written as an escape (\n, \r, \xHH), so that a
 * service name or a path holding a newline can never split or forge one of svinit's lines.
 */
export function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** A sink takes one finished line, without its newline. */
export type Sink = (line: string) => void;

/** What every module logs through: `svinit: <level>: <message>`. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  fatal(message: string): void;
  enabled(level: Level): boolean;
}

/** Descriptors whose reader has gone (EPIPE): never written again, by any sink. */
const broken = new Set<number>();

/**
 * A sink writing to a file descriptor; a write that fails (EAGAIN, EBADF) drops the line. After
 * EPIPE nothing more is written to that descriptor: each write to a broken pipe also raises
 * SIGPIPE, and a write per line (or per SIGPIPE) would otherwise keep the init busy forever.
 */
export function fdSink(fd: number): Sink {
  return (line) => {
    if (broken.has(fd)) return;
    const buf = Buffer.from(`${line}\n`);
    let off = 0;
    try {
      while (off < buf.length) off += writeSync(fd, buf, off);
    } catch (err) {
      // A log reader that has gone away must never take the init down with it.
      if ((err as NodeJS.ErrnoException).code === 'EPIPE') broken.add(fd);
    }
  };
}

/** A sink that keeps lines in an array, for tests. */
export function arraySink(lines: string[]): Sink {
  return (line) => {
    lines.push(line);
  };
}

export function createLogger(sink: Sink, minimum: Level = 'info', prefix = 'svinit'): Logger {
  const emit = (level: Level, message: string): void => {
    // One event, one line: a stack trace too is written on one line (its newlines as \n).
    if (RANK[level] >= RANK[minimum]) sink(`${prefix}: ${level}: ${escapeControl(message)}`);
  };
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warning: (m) => emit('warning', m),
    error: (m) => emit('error', m),
    fatal: (m) => emit('fatal', m),
    enabled: (level) => RANK[level] >= RANK[minimum],
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = createLogger(() => undefined, 'fatal');
