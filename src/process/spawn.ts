// The typed spawn used by supervisors: turns friendly options into the addon's raw form and
// gives every child a clean slate (default signals, empty mask, the original RLIMIT_NOFILE,
// blocking stdio, no stray fds). Exec failures throw SyscallError synchronously.
import type { RawSpawnOptions, RawStdio } from '../native/addon.js';
import { spawnRaw } from '../native/native.js';
import { defaultChildNofile } from './nofile.js';

/** A child stdio slot: svinit's own fd of that number, /dev/null, or any fd of svinit's. */
export type StdioSlot = 'inherit' | 'null' | number;

/** RLIMIT_NOFILE for the child: a soft limit (hard kept), both, or 'keep' svinit's (raised) one. */
export type NofileOption = number | { readonly soft: number; readonly hard: number } | 'keep';

export interface SpawnOptions {
  /** Path given to execve: no PATH search; a relative path is relative to `cwd`. */
  readonly file: string;
  /** The whole argv including argv[0]; default [file]. */
  readonly argv?: readonly string[];
  /** Exactly the child's environment; default svinit's own (process.env). */
  readonly env?: Readonly<Record<string, string | undefined>> | readonly string[];
  /** Working directory; default svinit's. */
  readonly cwd?: string;
  /** Child fds 0, 1, 2; a missing entry is 'inherit'. */
  readonly stdio?: readonly StdioSlot[];
  /**
   * svinit fds that become the child's fds 3, 4, ... (all other fds are closed in the child);
   * 'closed' leaves that child fd closed (the fds below a notification-fd).
   */
  readonly extraFds?: readonly (number | 'closed')[];
  /** New session (setsid): the child leads its own session and process group. */
  readonly session?: boolean;
  /** Join process group `pgroup` (setpgid); 0 = a new group led by the child. */
  readonly pgroup?: number;
  readonly umask?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** Supplementary groups. Default: unchanged, except when uid/gid is set as root: then [gid] or []. */
  readonly groups?: readonly number[];
  /** Default: the soft limit svinit was started with (see nofile.ts). */
  readonly nofile?: NofileOption;
  /**
   * A terminal on fd 0: 'acquire' makes it the controlling terminal of the new session
   * (`session`), 'foreground' makes the new group (`pgroup: 0`) the terminal's foreground group.
   * Best effort: no terminal, or one of another session, is not an error. Default: left alone.
   */
  readonly tty?: 'acquire' | 'foreground';
  /** Signals blocked at exec (default none) and ignored at exec (default none: all default). */
  readonly sigBlock?: readonly number[];
  readonly sigIgnore?: readonly number[];
}

/** An error with code ERR_SPAWN_OPTIONS: the options themselves are unusable. */
export class SpawnOptionsError extends Error {
  readonly code = 'ERR_SPAWN_OPTIONS';
}

function bad(what: string): never {
  throw new SpawnOptionsError(`unable to spawn: ${what}`);
}

function isId(v: number | undefined): v is number {
  return v !== undefined && Number.isInteger(v) && v >= 0 && v < 0xffffffff;
}

function envList(env: SpawnOptions['env']): string[] {
  if (env === undefined) return envList(process.env);
  if (Array.isArray(env)) return [...(env as readonly string[])];
  const out: string[] = [];
  for (const [key, value] of Object.entries(env as Record<string, string | undefined>)) {
    if (value === undefined) continue;
    if (key === '' || key.includes('=')) bad(`environment name ${JSON.stringify(key)} is empty or contains "="`);
    out.push(`${key}=${value}`);
  }
  return out;
}

function stdioList(opts: SpawnOptions): RawStdio[] {
  const given = opts.stdio ?? [];
  if (given.length > 3) bad('stdio has more than 3 slots; use extraFds for fd 3 and up');
  const slots: RawStdio[] = [0, 1, 2].map((i) => {
    const s = given[i] ?? 'inherit';
    if (s === 'inherit') return i;
    if (s === 'null') return -1;
    if (!Number.isInteger(s) || s < 0) bad(`stdio slot ${i} is not 'inherit', 'null' or an fd`);
    return s;
  });
  for (const fd of opts.extraFds ?? []) {
    if (fd === 'closed') {
      slots.push(-2);
      continue;
    }
    if (!Number.isInteger(fd) || fd < 0) bad(`extra fd ${fd} is not an fd`);
    slots.push(fd);
  }
  return slots;
}

function nofileLimits(opt: NofileOption | undefined): [number, number] {
  const enc = (v: number, what: string): number => {
    if (v === Infinity) return -2;
    if (!Number.isInteger(v) || v < 0) bad(`nofile ${what} ${v} is not a count`);
    return v;
  };
  if (opt === 'keep') return [-1, -1];
  if (opt === undefined) return [enc(defaultChildNofile(), 'soft'), -1];
  if (typeof opt === 'number') return [enc(opt, 'soft'), -1];
  return [enc(opt.soft, 'soft'), enc(opt.hard, 'hard')];
}

function groupMode(opts: SpawnOptions): [0 | 1 | 2, number] {
  if (opts.session === true && opts.pgroup !== undefined) bad('session and pgroup are exclusive');
  if (opts.session === true) return [1, 0];
  if (opts.pgroup === undefined) return [0, 0];
  if (!Number.isInteger(opts.pgroup) || opts.pgroup < 0) bad(`pgroup ${opts.pgroup} is not a group id`);
  return [2, opts.pgroup];
}

function credentials(opts: SpawnOptions): Pick<RawSpawnOptions, 'uid' | 'gid' | 'groups'> {
  for (const [name, v] of [['uid', opts.uid], ['gid', opts.gid]] as const) {
    if (v !== undefined && !isId(v)) bad(`${name} ${v} is not an id`);
  }
  let groups: number[] | null = opts.groups === undefined ? null : [...opts.groups];
  if (groups?.some((g) => !isId(g))) bad('groups must be ids');
  // Dropping to another uid as root must not keep root's supplementary groups.
  if (groups === null && (opts.uid !== undefined || opts.gid !== undefined) && process.getuid?.() === 0) {
    groups = opts.gid === undefined ? [] : [opts.gid];
  }
  return { uid: opts.uid ?? -1, gid: opts.gid ?? -1, groups };
}

/** The raw addon options for `opts` (exported for tests and for callers that log them). */
export function toRawOptions(opts: SpawnOptions): RawSpawnOptions {
  if (typeof opts.file !== 'string' || opts.file === '') bad('file is empty');
  if (opts.umask !== undefined && (!Number.isInteger(opts.umask) || opts.umask < 0 || opts.umask > 0o777)) {
    bad(`umask ${opts.umask} is not between 0 and 0o777`);
  }
  const [pgroup, pgid] = groupMode(opts);
  const [nofileSoft, nofileHard] = nofileLimits(opts.nofile);
  return {
    file: opts.file,
    argv: [...(opts.argv ?? [opts.file])],
    env: envList(opts.env),
    cwd: opts.cwd ?? null,
    stdio: stdioList(opts),
    pgroup,
    pgid,
    umask: opts.umask ?? -1,
    ...credentials(opts),
    nofileSoft,
    nofileHard,
    tty: ttyMode(opts),
    sigBlock: signalList(opts.sigBlock, 'sigBlock'),
    sigIgnore: signalList(opts.sigIgnore, 'sigIgnore'),
  };
}

function ttyMode(opts: SpawnOptions): 0 | 1 | 2 {
  if (opts.tty === undefined) return 0;
  if (opts.tty === 'acquire') return opts.session === true ? 1 : bad("tty 'acquire' needs session");
  return opts.pgroup === 0 ? 2 : bad("tty 'foreground' needs pgroup 0");
}

function signalList(list: readonly number[] | undefined, what: string): number[] {
  const out = [...(list ?? [])];
  if (out.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) bad(`${what} must be signal numbers 1 to 64`);
  return out;
}

/**
 * Starts a child and returns its pid. Throws SyscallError (syscall 'execve', 'chdir', 'setsid',
 * 'setrlimit', ...) if any step before exec failed; that child has already been reaped.
 * The caller must register the pid with the Reaper in the same synchronous turn (Reaper.spawn does).
 */
export function spawn(opts: SpawnOptions): number {
  return spawnRaw(toRawOptions(opts));
}
