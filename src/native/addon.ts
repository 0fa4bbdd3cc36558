// The one typed interface to the native addon (build/Release/svinit.node).
// Every raw call returns a number >= 0 on success or -errno on failure; `native.ts` wraps
// those into SyscallError. Nothing else in svinit touches the addon object directly.

/** Where a child's stdio slot comes from. */
export type RawStdio =
  | number // a file descriptor of svinit's, dup2'd into place
  | -1 // /dev/null
  | -2; // left closed

export interface RawSpawnOptions {
  /** Path passed to execve. Relative paths are resolved against `cwd` by the kernel (no PATH search). */
  readonly file: string;
  readonly argv: readonly string[];
  /** "KEY=VALUE" strings, exactly the child's environment. */
  readonly env: readonly string[];
  readonly cwd: string | null;
  /** Slots 0, 1, 2 and optionally more (index = child fd). */
  readonly stdio: readonly RawStdio[];
  /** 0 = stay in svinit's group, 1 = setsid(), 2 = setpgid(0, pgid) (join `pgid`; 0 means a new group). */
  readonly pgroup: 0 | 1 | 2;
  readonly pgid: number;
  /** -1 = leave as is. */
  readonly umask: number;
  /** -1 = leave as is. */
  readonly uid: number;
  readonly gid: number;
  /** null = leave supplementary groups as they are. */
  readonly groups: readonly number[] | null;
  /** RLIMIT_NOFILE soft and hard limits for the child; -1 = leave as is, -2 = RLIM_INFINITY. */
  readonly nofileSoft: number;
  readonly nofileHard: number;
  /** 0 = leave a terminal alone, 1 = after setsid make fd 0 the controlling terminal, 2 = after setpgid make the group foreground. */
  readonly tty: 0 | 1 | 2;
  /** Signal numbers (1..64) blocked at exec, and ignored at exec; every other signal is default. */
  readonly sigBlock: readonly number[];
  readonly sigIgnore: readonly number[];
}

/** The failure of a spawn: errno and the step in the child that failed. */
export interface RawSpawnError {
  readonly errno: number; // positive errno
  readonly syscall: string; // 'execve', 'chdir', 'setsid', 'dup2', 'fork', ...
}

export interface Addon {
  /** Spawns with vfork semantics; returns the pid, or the error of the step that failed (child already reaped). */
  spawn(opts: RawSpawnOptions): number | RawSpawnError;
  /** waitpid(-1, WNOHANG) until 0 or ECHILD, at most `max` exits; flat [pid, rawStatus, pid, rawStatus, ...]. */
  reap(max: number): Int32Array;
  /** waitpid(pid, flags); returns [pid, rawStatus] or [-errno, 0]. For tests and the runit engine. */
  waitpid(pid: number, nohang: boolean): Int32Array;
  /** 1 if svinit has any child (running or zombie), 0 if none, or -errno; reaps nothing (waitid WNOWAIT). */
  hasChildren(): number;
  setChildSubreaper(on: boolean): number;
  getChildSubreaper(): number; // 1, 0 or -errno
  kill(pid: number, sig: number): number;
  killpg(pgid: number, sig: number): number;
  /** kill/killpg of each (pid, sig, group) triple in one C loop; 0 or -errno per triple (pid <= 0: -EINVAL). */
  killMany(items: Int32Array): Int32Array;
  /** native/catch.c's handler for each signal: it writes the number (one byte) to the non-blocking pipe fd. 0 or -errno. */
  catchSignals(fd: number, sigs: Int32Array): number;
  mkfifo(path: string, mode: number): number;
  /** op: 0 = LOCK_EX|LOCK_NB, 1 = LOCK_EX (blocking), 2 = LOCK_UN. */
  flock(fd: number, op: number): number;
  /** send(fd, data[offset..], MSG_DONTWAIT | MSG_NOSIGNAL): bytes written or -errno. */
  sendNonblock(fd: number, data: Buffer, offset: number): number;
  /** native/lines.c: `head` before every line of `block` (whole lines), or null when a line is too long or has a control character. */
  prefixLines(block: Buffer, head: Buffer, lineMax: number): Buffer | null;
  /** A pipe whose both ends are O_CLOEXEC; [readFd, writeFd] or [-errno, -1]. */
  pipe(): Int32Array;
  /** Sets or clears O_NONBLOCK (flag 0) or FD_CLOEXEC (flag 1) on fd. */
  setFdFlag(fd: number, flag: 0 | 1, on: boolean): number;
  /** [soft, hard] of RLIMIT_NOFILE, -1 meaning RLIM_INFINITY; [NaN, -errno] on failure. */
  getNofile(): Float64Array;
  /** prctl(PR_SET_PDEATHSIG, sig). */
  setPdeathsig(sig: number): number;
  /** tcgetsid(fd): the session of the terminal on fd, or -errno (-ENOTTY when fd is not this process's controlling terminal). */
  ttySession(fd: number): number;
  getpid(): number;
  getppid(): number;
  /** _exit(code & 0xff): never returns. */
  exitNow(code: number): never;
  /** The symbolic name of an errno ("ENOENT"; "EUNKNOWN" if the C library has none). */
  errnoName(errno: number): string;
  /** The C library's text for an errno (strerror: "No such file or directory"). */
  errnoText(errno: number): string;
  /**
   * Binds the abstract unix datagram socket `name` (SO_PASSCRED) and watches it on the event
   * loop; each wake-up calls `cb` once with up to 64 datagrams as [pid, uid, length, text|null]
   * (null: longer than 4096 bytes). The fd, or -errno (-EBUSY: one is open already).
   */
  notifyOpen(name: string, cb: (list: RawDatagram[]) => void): number;
  /** Stops watching the notify socket and closes it. */
  notifyClose(): number;
  /** getsid(pid), or -errno. */
  getsid(pid: number): number;
}

/** One datagram of the notify socket: sender pid (0: unknown), uid (-1: unknown), length, text (null: too long). */
export type RawDatagram = [number, number, number, string | null];
