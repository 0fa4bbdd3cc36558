// Setting up and holding a supervise/ directory the way runsv does (§2.2 of the runit spec):
// the directory (or the target of a dangling `supervise` symlink, as read-only-root images use),
// the exclusive flock on `lock`, the `control` FIFO read without blocking, and the `ok` FIFO held
// open for reading so that `sv` sees a live supervisor. Existing files are reused.
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readlinkSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { flock, mkfifo } from '../native/native.js';
import type { Logger } from '../log/logger.js';
import { createSuperviseWriter, type SuperviseWriter } from '../protocol/supervise-writer.js';

/** Why a supervise/ directory could not be held. */
export type SuperviseProblem =
  | { readonly kind: 'locked' } // another live supervisor (runsv or svinit) holds it
  | { readonly kind: 'no-lock'; readonly message: string } // supervise/lock cannot be opened: runsv gives up the service
  | { readonly kind: 'unusable'; readonly message: string } // e.g. a read-only filesystem
  | { readonly kind: 'gone' }; // the service directory itself vanished (removed while it was being set up)

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}

/** Creates `path` as runsv does, following a dangling symlink to create its target (0700). */
function makeDir(path: string): void {
  try {
    mkdirSync(path, { mode: 0o700 });
    return;
  } catch (err) {
    if (errCode(err) !== 'EEXIST') throw err;
  }
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) return;
  if (lstatSync(path).isSymbolicLink()) {
    const target = resolve(dirname(path), readlinkSync(path));
    mkdirSync(target, { mode: 0o700, recursive: true });
    return;
  }
  throw Object.assign(new Error(`${path} exists and is not a directory`), { code: 'ENOTDIR' });
}

function makeFifo(path: string): void {
  mkfifo(path, 0o600);
  if (!statSync(path).isFIFO()) {
    throw Object.assign(new Error(`${path} exists and is not a FIFO`), { code: 'EEXIST' });
  }
}

// As runsv's open_append (O_NDELAY): a FIFO in its place fails at once (ENXIO) or opens without
// blocking, and is then refused by fstat, as is anything else that is not a regular file.
const LOCK_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * Opens supervise/lock (created 0600): its fd, or, when it is not a regular file, runsv's "unable
 * to open supervise/lock: ..." with the fix. Any other failure (EROFS, EACCES) is thrown: the
 * supervise/ directory is unusable, and the service runs without it, as before.
 */
function openLock(path: string): number | string {
  const why = (reason: string): string =>
    `unable to open supervise/lock: ${reason}; not supervising this service (remove ${path}: it must be a regular file, made anew at the next scan)`;
  let fd: number;
  try {
    fd = openSync(path, LOCK_FLAGS, 0o600);
  } catch (err) {
    // ENXIO: a FIFO that nobody reads, refused by the non-blocking open; EISDIR: a directory.
    if (errCode(err) === 'ENXIO') return why('ENXIO, it is a FIFO, not a regular file');
    if (errCode(err) === 'EISDIR') return why('EISDIR, it is a directory, not a regular file');
    throw err;
  }
  const st = fstatSync(fd);
  if (st.isFile()) return fd;
  closeSync(fd);
  return why(st.isFIFO() ? 'it is a FIFO, not a regular file' : 'it is not a regular file');
}

/**
 * A held supervise/ directory. Two steps, as a start-up of many services wants them: lock()
 * takes the directory and its lock (before ./run starts: a live runsv keeps its service), and
 * listen() makes and opens the FIFOs afterwards, once every ./run of that scan is spawned.
 */
export class SuperviseDir {
  private control: Socket | null = null;
  private controlFd = -1;
  private okFd = -1;

  private constructor(
    readonly path: string,
    readonly writer: SuperviseWriter,
    private readonly lockFd: number,
  ) {}

  /** Takes `serviceDir/supervise` and its lock; returns a problem instead of throwing. */
  static lock(serviceDir: string, log: Logger): SuperviseDir | SuperviseProblem {
    const path = join(serviceDir, 'supervise');
    let lockFd = -1;
    try {
      makeDir(path);
      const lock = openLock(join(path, 'lock'));
      if (typeof lock === 'string') return { kind: 'no-lock', message: lock };
      lockFd = lock;
      if (!flock(lockFd, 'exclusive-nb')) {
        closeSync(lockFd);
        return { kind: 'locked' };
      }
      return new SuperviseDir(path, createSuperviseWriter(path, log), lockFd);
    } catch (err) {
      if (lockFd >= 0) closeSync(lockFd);
      if (vanished(err, serviceDir)) return { kind: 'gone' };
      return { kind: 'unusable', message: `unable to set up ${path}: ${errCode(err)}` };
    }
  }

  /**
   * Makes and opens the control and ok FIFOs (sv then sees a live supervisor) and delivers every
   * byte written to supervise/control, in order. Returns why that failed, or null.
   */
  listen(onByte: (c: string) => void): string | null {
    try {
      makeFifo(join(this.path, 'control'));
      makeFifo(join(this.path, 'ok'));
      // O_RDWR: the FIFO always has a writer (our own), so its read side never sees EOF.
      this.controlFd = openSync(join(this.path, 'control'), constants.O_RDWR | constants.O_NONBLOCK);
      this.okFd = openSync(join(this.path, 'ok'), constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (err) {
      // Removed between its start and now: the scanner's next scan stops it; nothing to warn about.
      if (vanished(err, dirname(this.path))) return null;
      return `unable to set up ${this.path}: ${errCode(err)}`;
    }
    const socket = new Socket({ fd: this.controlFd, readable: true, writable: false });
    socket.on('data', (chunk: Buffer) => {
      // One chunk (up to 64 KiB) per turn of the event loop: libuv would otherwise read a flood
      // 32 chunks at a time before anything else ran. The unit bounds its queue (unit.ts).
      socket.pause();
      setImmediate(() => { if (this.control === socket) socket.resume(); });
      for (const byte of chunk) onByte(String.fromCharCode(byte));
    });
    // The read side of our own O_RDWR FIFO cannot fail in normal operation; if it ever does,
    // the service keeps running and only loses its control channel.
    socket.on('error', () => undefined);
    this.control = socket;
    return null;
  }

  /** Releases everything: `sv` then sees "runsv not running", and another supervisor may take over. */
  close(): void {
    if (this.control !== null) this.control.destroy();
    else if (this.controlFd >= 0) closeQuiet(this.controlFd);
    this.control = null;
    if (this.okFd >= 0) closeQuiet(this.okFd);
    closeQuiet(this.lockFd);
  }
}

function closeQuiet(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
}

/** ENOENT because the service directory itself is gone (not, say, a dangling supervise link). */
function vanished(err: unknown, serviceDir: string): boolean {
  return errCode(err) === 'ENOENT' && statSync(serviceDir, { throwIfNoEntry: false }) === undefined;
}
