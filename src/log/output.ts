// Routed output (--log-prefix, --log-format json): each service's stdout and stderr come to svinit
// through pipes, are cut into lines, and go out on svinit's own stdout and stderr, each line whole
// ("web | line", or one JSON object), never torn or interleaved mid-line, svinit's own lines
// among them. Writing never blocks PID 1: a pipe or socket on fd 1/2 is reopened non-blocking
// (through /proc/self/fd, a new open file description, so the services' shared one stays
// blocking) and written by the event loop; when a reader is slow, the service whose lines are
// waiting stops being read, its pipe fills and its own writes block, as they would on a pipe of
// its own. Memory stays bounded: at most one read chunk per service beyond the high-water mark.
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { prefixLines, sendNonblock } from '../native/native.js';
import { escapeControl } from './logger.js';

export type LogFormat = 'inherit' | 'prefix' | 'json';

/** The longest line written whole; a longer one is cut into pieces of this many characters, each marked. */
export const LINE_MAX = 16 * 1024;
/** Queued beyond this (bytes), a service's stream is no longer read until the queue drains. */
export const HIGH_WATER = 64 * 1024;
/** svinit's own lines beyond this many queued bytes are dropped (and counted), never a service's. */
const OWN_LINES_CAP = 1024 * 1024;
const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);
/** What marks a line cut at LINE_MAX, in the text format (JSON says "partial": true). */
export const CUT_MARK = ' [line continues]';

/**
 * One of svinit's own output descriptors, written without blocking when it is a pipe or a
 * socket (docker's case); a terminal or a file is written synchronously, as before.
 */
export class OutputStream {
  readonly #fd: number;
  readonly #socket: Socket | null;
  /** fd is a socket (journald, a socketpair from a parent): written with send(MSG_DONTWAIT). */
  readonly #isSocket: boolean;
  /** Socket mode: what the socket did not take yet, oldest first, and how much of the first is written. */
  readonly #queue: Buffer[] = [];
  #queued = 0;
  #offset = 0;
  #retry: NodeJS.Timeout | null = null;
  #broken = false;
  #dropped = 0;
  readonly #drainWaiters = new Set<() => void>();

  constructor(fd: number) {
    this.#fd = fd;
    this.#isSocket = isSocket(fd);
    this.#socket = this.#isSocket ? null : openNonBlocking(fd);
    this.#socket?.on('drain', () => this.#drained());
    this.#socket?.on('error', () => {
      // EPIPE: the reader is gone. Nothing more is written there; supervision goes on.
      this.#broken = true;
      this.#drained();
    });
  }

  /** Bytes written but not yet taken by the reader. */
  get pending(): number {
    return this.#isSocket ? this.#queued : this.#socket?.writableLength ?? 0;
  }

  /** Writes one whole line (newline added); false when the caller should wait for `whenDrained`. */
  write(line: string, encoding: 'utf8' | 'latin1' = 'utf8'): boolean {
    return this.writeBytes(Buffer.from(`${line}\n`, encoding));
  }

  /** Writes whole lines, each with its newline already; false when the caller should wait for `whenDrained`. */
  writeBytes(bytes: Buffer): boolean {
    if (this.#broken) return true;
    if (this.#isSocket) {
      this.#queue.push(bytes);
      this.#queued += bytes.length;
      this.#pump();
      return this.#queued < HIGH_WATER;
    }
    if (this.#socket === null) {
      writeAllSync(this.#fd, bytes, () => { this.#broken = true; });
      return true;
    }
    this.#socket.write(bytes);
    return this.#socket.writableLength < HIGH_WATER;
  }

  /** svinit's own line: never waits, and beyond a cap is dropped (counted) rather than queued. */
  writeOwn(line: string): void {
    if (this.pending > OWN_LINES_CAP) {
      this.#dropped++;
      return;
    }
    if (this.#dropped > 0) {
      const n = this.#dropped;
      this.#dropped = 0;
      this.write(`svinit: warning: ${n} of svinit's own line(s) dropped: the reader of this output is too slow`);
    }
    this.write(line);
  }

  /** Calls `fn` once the queue is under the high-water mark again (at once if it is). */
  whenDrained(fn: () => void): void {
    if (this.#broken || this.pending < HIGH_WATER) {
      fn();
      return;
    }
    this.#drainWaiters.add(fn);
  }

  /**
   * Socket mode: writes what the socket takes now; when it is full, tries again in a moment (a
   * timer runs only while something waits: an idle svinit has none).
   */
  #pump(): void {
    while (this.#queue.length > 0 && !this.#broken) {
      const head = this.#queue[0] as Buffer;
      let n: number;
      try {
        n = sendNonblock(this.#fd, head, this.#offset);
      } catch {
        this.#broken = true; // EPIPE, ECONNRESET: the reader is gone
        break;
      }
      if (n === 0) break;
      this.#offset += n;
      this.#queued -= n;
      if (this.#offset === head.length) {
        this.#queue.shift();
        this.#offset = 0;
      }
    }
    if (this.#broken) {
      this.#queue.length = 0;
      this.#queued = 0;
    }
    if (this.#queue.length > 0) {
      if (this.#retry === null) this.#retry = setTimeout(() => { this.#retry = null; this.#pump(); }, SOCKET_RETRY_MS);
    }
    if (this.#queued < HIGH_WATER) this.#drained();
  }

  /** Resolves once everything queued is written, or after `ms`. */
  flush(ms: number): Promise<void> {
    if (this.#isSocket) {
      if (this.#queued === 0 || this.#broken) return Promise.resolve();
      return new Promise((resolve) => {
        const until = Date.now() + Math.max(0, ms);
        const check = (): void => {
          this.#pump();
          if (this.#queued === 0 || this.#broken || Date.now() >= until) resolve();
          else setTimeout(check, SOCKET_RETRY_MS);
        };
        check();
      });
    }
    const socket = this.#socket;
    if (socket === null || this.#broken || socket.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      // The callback of an empty write runs once everything queued before it is written.
      socket.write('', done);
    });
  }

  #drained(): void {
    const waiters = [...this.#drainWaiters];
    this.#drainWaiters.clear();
    for (const fn of waiters) fn();
  }
}

/** How long a socket that took nothing is left before the next try. */
const SOCKET_RETRY_MS = 10;

function isSocket(fd: number): boolean {
  try {
    return fstatSync(fd).isSocket();
  } catch {
    return false;
  }
}

/** A non-blocking writer on a new open file description of `fd`, or null (terminal, file, none). */
function openNonBlocking(fd: number): Socket | null {
  let kind;
  try {
    kind = fstatSync(fd);
  } catch {
    return null;
  }
  if (!kind.isFIFO()) return null; // a socket cannot be reopened through /proc; a tty or file is written synchronously
  let reopened: number;
  try {
    reopened = openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const socket = new Socket({ fd: reopened, readable: false, writable: true });
    socket.unref();
    return socket;
  } catch {
    closeSync(reopened);
    return null;
  }
}

function writeAllSync(fd: number, buf: Buffer, onBroken: () => void): void {
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(fd, buf, off);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') onBroken();
  }
}

/** How one line of a service is written: `name | line`, or one JSON object. */
export function formatServiceLine(format: LogFormat, service: string, stream: 'stdout' | 'stderr', line: string, partial: boolean,
  time = new Date().toISOString()): string {
  if (format === 'json') {
    // The object written field by field (the same as JSON.stringify of it, at a fraction of the cost per line).
    const t = time === '' ? new Date().toISOString() : time;
    return `{"time":"${t}","source":"service","service":${JSON.stringify(service)},"stream":"${stream}","line":${JSON.stringify(line)}${partial ? ',"partial":true' : ''}}`;
  }
  return `${service} | ${escapeControl(line)}${partial ? CUT_MARK : ''}`;
}

/** How one of svinit's own lines is written in the JSON format (the text format keeps it as it is). */
export function formatOwnLine(line: string, level: string | null): string {
  return JSON.stringify({ time: new Date().toISOString(), source: 'svinit', service: null, stream: 'stderr', level, line });
}

/** One stream of one service: read from its pipe, cut into lines, written to `out`. */
export class LineReader {
  /** The text format: the bytes of an unfinished line. JSON: its characters. */
  #partialBytes: Buffer = EMPTY;
  #partial = '';
  #time = '';

  readonly #encoding: 'utf8' | 'latin1';
  /** "name | " in the encoding the stream is read in, and as bytes. */
  readonly #head: string;
  readonly #headBytes: Buffer;
  readonly #socket: Socket;
  readonly done: Promise<void>;

  constructor(fd: number, private readonly service: string, private readonly stream: 'stdout' | 'stderr',
    private readonly out: OutputStream, private readonly format: LogFormat) {
    this.#socket = new Socket({ fd, readable: true, writable: false });
    // The text format passes the bytes through (read as bytes; a line that needs escaping or
    // cutting as latin1, one char per byte); JSON needs the characters.
    this.#encoding = format === 'json' ? 'utf8' : 'latin1';
    this.#headBytes = Buffer.from(`${service} | `, 'utf8');
    this.#head = this.#headBytes.toString(this.#encoding);
    if (format === 'json') {
      this.#socket.setEncoding('utf8');
      this.#socket.on('data', (chunk: string) => this.#take(chunk));
    } else {
      this.#socket.on('data', (chunk: Buffer) => this.#takeBytes(chunk));
    }
    this.#socket.unref();
    this.done = new Promise((resolve) => {
      this.#socket.once('close', () => {
        const partial = this.format === 'json' ? this.#partial : this.#partialBytes.toString('latin1');
        if (partial !== '') {
          const last: string[] = [];
          this.#lines(partial, last);
          this.out.write(last.join('\n'), this.#encoding);
        }
        this.#partial = '';
        this.#partialBytes = EMPTY;
        resolve();
      });
      this.#socket.once('error', () => undefined);
    });
  }

  /** Stops reading now (what is left in the pipe is lost); for a descriptor some leftover process still holds. */
  destroy(): void {
    this.#socket.destroy();
  }

  /** The text format: every whole line of the chunk prefixed in one pass of C, the rest by hand. */
  #takeBytes(chunk: Buffer): void {
    const data = this.#partialBytes.length === 0 ? chunk : Buffer.concat([this.#partialBytes, chunk]);
    const last = data.lastIndexOf(NEWLINE);
    let rest = data;
    let block: Buffer | null = null;
    const pieces: string[] = [];
    if (last >= 0) {
      rest = data.subarray(last + 1);
      block = prefixLines(data.subarray(0, last + 1), this.#headBytes, LINE_MAX);
      if (block === null) {
        // A long line or one with control characters: line by line.
        for (const line of data.toString('latin1', 0, last).split('\n')) this.#lines(line, pieces);
      }
    }
    while (rest.length > LINE_MAX) {
      pieces.push(this.#format(rest.toString('latin1', 0, LINE_MAX), true));
      rest = rest.subarray(LINE_MAX);
    }
    // A copy: a slice would keep the whole chunk it came from.
    this.#partialBytes = rest.length === 0 ? EMPTY : Buffer.from(rest);
    let more = true;
    if (block !== null) more = this.out.writeBytes(block);
    if (pieces.length > 0) more = this.out.write(pieces.join('\n'), 'latin1') && more;
    if (!more) this.#pushBack();
  }

  /** Back-pressure: this service is not read until the output drains. */
  #pushBack(): void {
    this.#socket.pause();
    this.out.whenDrained(() => this.#socket.resume());
  }

  /** JSON: one write per chunk read, every line in it whole. */
  #take(chunk: string): void {
    this.#time = new Date().toISOString(); // one time stamp per chunk read
    const text = this.#partial + chunk;
    const last = text.lastIndexOf('\n');
    let rest = text;
    const pieces: string[] = [];
    if (last >= 0) {
      rest = text.slice(last + 1);
      for (const line of text.slice(0, last).split('\n')) this.#lines(line, pieces);
    }
    while (rest.length > LINE_MAX) {
      pieces.push(this.#format(rest.slice(0, LINE_MAX), true));
      rest = rest.slice(LINE_MAX);
    }
    this.#partial = rest;
    if (pieces.length > 0 && !this.out.write(pieces.join('\n'), this.#encoding)) this.#pushBack();
  }

  /** One complete line (without its newline) as written lines: cut into marked pieces when long. */
  #lines(line: string, into: string[]): void {
    let rest = line.endsWith('\r') ? line.slice(0, -1) : line;
    while (rest.length > LINE_MAX) {
      into.push(this.#format(rest.slice(0, LINE_MAX), true));
      rest = rest.slice(LINE_MAX);
    }
    into.push(this.#format(rest, false));
  }

  #format(text: string, partial: boolean): string {
    if (this.format === 'prefix') return `${this.#head}${escapeControl(text)}${partial ? CUT_MARK : ''}`;
    return formatServiceLine(this.format, this.service, this.stream, text, partial, this.#time);
  }

}

/** Every routed stream of every service, and svinit's two outputs they go to. */
export class OutputRouter {
  readonly #readers = new Set<LineReader>();

  constructor(readonly format: 'prefix' | 'json', readonly out: OutputStream, readonly err: OutputStream) {}

  /** Starts reading one service's stdout and stderr pipes (their read ends; the router owns them now). */
  attach(service: string, stdoutFd: number, stderrFd: number): void {
    for (const [fd, stream, to] of [[stdoutFd, 'stdout', this.out], [stderrFd, 'stderr', this.err]] as const) {
      const reader = new LineReader(fd, service, stream, to, this.format);
      this.#readers.add(reader);
      void reader.done.then(() => this.#readers.delete(reader));
    }
  }

  /**
   * At exit: every line the services wrote is read (until each pipe's end: svinit has closed its
   * own write ends) and written, within `ms`; a pipe that something left running still holds
   * open is cut at the deadline.
   */
  async drain(ms: number): Promise<void> {
    const until = Date.now() + Math.max(0, ms);
    const readers = [...this.#readers];
    if (readers.length > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, until - Date.now()));
        void Promise.all(readers.map((r) => r.done)).then(() => { clearTimeout(timer); resolve(); });
      });
      for (const r of this.#readers) r.destroy();
    }
    await Promise.all([this.out.flush(until - Date.now()), this.err.flush(until - Date.now())]);
  }
}
