// The wrapped native API everyone else uses: plain JS values in and out, failures thrown as
// SyscallError. The addon is loaded on first use, so importing this module costs nothing.
import type { Addon, RawSpawnOptions } from './addon.js';
import { SyscallError } from './errors.js';
import { loadAddon } from './loader.js';

let cached: Addon | undefined;

/** The raw addon (loaded once); only this module and tests should need it. */
export function addon(): Addon {
  cached ??= loadAddon();
  return cached;
}

/** A SyscallError for a positive or negative errno, with the C library's name and text. */
export function syscallError(syscall: string, errno: number, path?: string): SyscallError {
  const a = addon();
  const e = Math.abs(errno);
  return new SyscallError({ syscall, errno: e, code: a.errnoName(e), text: a.errnoText(e), ...(path === undefined ? {} : { path }) });
}

function check(rc: number, syscall: string, path?: string): number {
  if (rc < 0) throw syscallError(syscall, rc, path);
  return rc;
}

const EAGAIN = 11; // == EWOULDBLOCK on Linux
const ESRCH = 3;
const EEXIST = 17;

/** Spawns with the addon's vfork path; returns the pid or throws the failing step's SyscallError. */
export function spawnRaw(opts: RawSpawnOptions): number {
  const r = addon().spawn(opts);
  if (typeof r === 'number') return r;
  const path = r.syscall === 'execve' ? opts.file : r.syscall === 'chdir' ? (opts.cwd ?? undefined) : undefined;
  throw syscallError(r.syscall, r.errno, path);
}

/** One reaped child: its pid and raw wait status (decode with process/exit-status.ts). */
export interface Reaped {
  readonly pid: number;
  readonly status: number;
}

/** Reaps every exited child there is (waitpid(-1, WNOHANG) to empty), at most `max`. */
export function reapAll(max = 65536): Reaped[] {
  const flat = addon().reap(max);
  const out: Reaped[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ pid: flat[i] as number, status: flat[i + 1] as number });
  return out;
}

/** waitpid(pid); returns the exit, or null if `nohang` and the child is still running. */
export function waitpid(pid: number, nohang: boolean): Reaped | null {
  const r = addon().waitpid(pid, nohang);
  const got = check(r[0] as number, 'waitpid');
  return got === 0 ? null : { pid: got, status: r[1] as number };
}

/** Whether svinit has any child at all, running or zombie (reaps nothing). */
export function hasChildren(): boolean {
  return check(addon().hasChildren(), 'waitid') === 1;
}

/** prctl(PR_SET_CHILD_SUBREAPER): orphans of our descendants get reparented to us. */
export function setChildSubreaper(on: boolean): void {
  check(addon().setChildSubreaper(on), 'prctl');
}

/** Whether this process is a child subreaper. */
export function isChildSubreaper(): boolean {
  return check(addon().getChildSubreaper(), 'prctl') === 1;
}

/** kill(pid, sig) with kill(2)'s pid rules (-1 = everything we may signal); false on ESRCH. */
export function kill(pid: number, sig: number): boolean {
  const rc = addon().kill(pid, sig);
  if (rc === -ESRCH) return false;
  check(rc, 'kill');
  return true;
}

/** kill(-pgid, sig); false if the group has no process left (ESRCH). pgid <= 0 is EINVAL. */
export function killpg(pgid: number, sig: number): boolean {
  const rc = addon().killpg(pgid, sig);
  if (rc === -ESRCH) return false;
  check(rc, 'killpg');
  return true;
}

/** One signal of a batch: to `pid`, or to its process group when `group`. */
export interface SignalOrder {
  readonly pid: number;
  readonly sig: number;
  readonly group: boolean;
}

/**
 * Sends every signal in one native call (a C loop of kill/killpg, in order), so that a fan-out
 * to many services is not interleaved with JavaScript. Returns, per order, false on ESRCH (gone)
 * and true when sent; any other failure is thrown once the whole batch has been sent.
 */
export function killMany(orders: readonly SignalOrder[]): boolean[] {
  const items = new Int32Array(orders.length * 3);
  orders.forEach((o, i) => {
    items[3 * i] = o.pid;
    items[3 * i + 1] = o.sig;
    items[3 * i + 2] = o.group ? 1 : 0;
  });
  const rcs = addon().killMany(items);
  const sent: boolean[] = [];
  let failed: number | null = null;
  rcs.forEach((rc, i) => {
    sent.push(rc === 0);
    if (rc < 0 && rc !== -ESRCH && failed === null) failed = i;
  });
  if (failed !== null) check(rcs[failed] as number, orders[failed]?.group === true ? 'killpg' : 'kill');
  return sent;
}

/** mkfifo(path, mode); false if something already exists at `path` (EEXIST). */
export function mkfifo(path: string, mode: number): boolean {
  const rc = addon().mkfifo(path, mode);
  if (rc === -EEXIST) return false;
  check(rc, 'mkfifo', path);
  return true;
}

export type FlockMode = 'exclusive-nb' | 'exclusive' | 'unlock';
const FLOCK_OP: Record<FlockMode, number> = { 'exclusive-nb': 0, exclusive: 1, unlock: 2 };

/** flock(fd); false only for 'exclusive-nb' when another holder has the lock (EWOULDBLOCK). */
export function flock(fd: number, mode: FlockMode): boolean {
  const rc = addon().flock(fd, FLOCK_OP[mode]);
  if (rc === -EAGAIN && mode === 'exclusive-nb') return false;
  check(rc, 'flock');
  return true;
}

/** pipe2(O_CLOEXEC): [readFd, writeFd]; spawn maps an end into a child explicitly. */
export function pipeCloexec(): [number, number] {
  const r = addon().pipe();
  check(r[0] as number, 'pipe2');
  return [r[0] as number, r[1] as number];
}

/**
 * One non-blocking write to the socket `fd` (send with MSG_DONTWAIT | MSG_NOSIGNAL: the socket's
 * shared O_NONBLOCK flag is left alone, and a dead reader raises no SIGPIPE). Bytes written;
 * 0 when the socket is full (EAGAIN); throws the errno otherwise (EPIPE, ENOTSOCK, ...).
 */
export function sendNonblock(fd: number, data: Buffer, offset = 0): number {
  const n = addon().sendNonblock(fd, data, offset);
  if (n === -EAGAIN) return 0;
  check(n, 'send');
  return n;
}

/**
 * `head` before every line of `block`, which ends with a newline, in one pass of C; null when a
 * line is longer than `lineMax` bytes or has a byte the text format escapes (then the caller
 * writes that block line by line).
 */
export function prefixLines(block: Buffer, head: Buffer, lineMax: number): Buffer | null {
  return addon().prefixLines(block, head, lineMax);
}

/** Sets or clears O_NONBLOCK on fd. */
export function setNonblocking(fd: number, on: boolean): void {
  check(addon().setFdFlag(fd, 0, on), 'fcntl');
}

/** Sets or clears FD_CLOEXEC on fd. */
export function setCloexec(fd: number, on: boolean): void {
  check(addon().setFdFlag(fd, 1, on), 'fcntl');
}

/** RLIMIT_NOFILE now; Infinity for RLIM_INFINITY. */
export interface Nofile {
  readonly soft: number;
  readonly hard: number;
}

/** The current RLIMIT_NOFILE of svinit (Node has already raised soft to hard). */
export function getNofile(): Nofile {
  const r = addon().getNofile();
  const soft = r[0] as number;
  const hard = r[1] as number;
  if (Number.isNaN(soft)) throw syscallError('getrlimit', hard); // the addon's [NaN, -errno]
  const conv = (v: number): number => (v === -1 ? Infinity : v);
  return { soft: conv(soft), hard: conv(hard) };
}

/**
 * Catches `sigs` in C (the real-time signals, SIGPIPE, and SIGILL/SIGBUS/SIGFPE/SIGSEGV sent
 * with kill()): each delivery writes the signal's number, one byte, to `fd`, the non-blocking
 * write end of a pipe. A SIGPIPE that svinit's own write raised, and a genuine fault, are never
 * written (native/catch.c).
 */
export function catchSignals(fd: number, sigs: readonly number[]): void {
  check(addon().catchSignals(fd, Int32Array.from(sigs)), 'sigaction');
}

/** prctl(PR_SET_PDEATHSIG): `sig` is sent to svinit when its parent dies. */
export function setPdeathsig(sig: number): void {
  check(addon().setPdeathsig(sig), 'prctl');
}

/**
 * The session of the terminal on `fd` when it is svinit's controlling terminal, else null
 * (tcgetsid: Linux answers ENOTTY for any other fd, a terminal of another session included).
 */
export function ttySession(fd: number): number | null {
  const rc = addon().ttySession(fd);
  return rc < 0 ? null : rc;
}

/** getpid(2), straight from the kernel. */
export function getpid(): number {
  return addon().getpid();
}

/** getppid(2), straight from the kernel. */
export function getppid(): number {
  return addon().getppid();
}

/**
 * Ends the process at once with _exit(2), skipping Node's exit handlers and teardown (several
 * ms). Only for an init whose every write is synchronous: nothing buffered is lost.
 */
export function exitNow(code: number): never {
  return addon().exitNow(code);
}

/** One datagram read from the notify socket. */
export interface Datagram {
  /** The sender's pid as the kernel saw it (SO_PASSCRED); 0 when unknown. */
  readonly pid: number;
  readonly uid: number;
  readonly length: number;
  /** Its text; null when it was longer than the 4096 bytes svinit reads. */
  readonly text: string | null;
}

/**
 * Binds svinit's sd_notify socket (abstract name `name`, no file) and calls `onDatagrams` on the
 * event loop whenever datagrams arrive (at most 64 per call); throws the errno of socket/bind.
 */
export function notifyOpen(name: string, onDatagrams: (list: readonly Datagram[]) => void): void {
  const rc = addon().notifyOpen(name, (raw) => {
    onDatagrams(raw.map(([pid, uid, length, text]) => ({ pid, uid, length, text })));
  });
  check(rc, 'bind');
}

/** Closes the notify socket (if open). */
export function notifyClose(): void {
  addon().notifyClose();
}

/** getsid(pid): the session pid belongs to; null once the process is gone (or not visible). */
export function getsid(pid: number): number | null {
  const rc = addon().getsid(pid);
  return rc < 0 ? null : rc;
}
