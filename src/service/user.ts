// A service's `user` file (a name, or uid:gid): who its ./run, ./finish and control/ scripts run
// as, with the supplementary groups /etc/group gives that user, and HOME, USER and LOGNAME from the
// password entry (as runuser sets them; chpst -u and s6-setuidgid set no HOME). The files are read
// when a child is started, through readSmallFile (non-blocking, type-checked, capped), so an edit
// of the user file or of the user database counts at the next start.
import { join } from 'node:path';
import { escapeControl } from '../log/logger.js';
import { readSmallFile, SmallFileError } from './small-file.js';

/** The most /etc/passwd or /etc/group may hold (some 15,000 users; a dump of a directory service fits). */
export const USER_DB_CAP = 1024 * 1024;

/** The password database and the group database svinit reads. */
export const PASSWD_FILE = '/etc/passwd';
export const GROUP_FILE = '/etc/group';

/** Who a child runs as, and what its environment learns from the password entry. */
export interface Identity {
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups: gid, then every group that lists the user as a member. */
  readonly groups: readonly number[];
  /** HOME, USER and LOGNAME (empty when uid:gid names no password entry). */
  readonly env: Readonly<Record<string, string>>;
}

/** One line of /etc/passwd. */
export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

const ID = /^\d{1,10}$/;

function isId(text: string): boolean {
  return ID.test(text) && Number(text) < 0xffffffff;
}

/** The entries of an /etc/passwd text (name:password:uid:gid:gecos:home:shell); malformed lines are skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    const [name, , uid, gid, , home] = f;
    if (f.length < 7 || name === undefined || name === '' || uid === undefined || gid === undefined || !isId(uid) || !isId(gid)) continue;
    out.push({ name, uid: Number(uid), gid: Number(gid), home: home ?? '' });
  }
  return out;
}

/** `gid`, then the gid of every /etc/group line (name:password:gid:members) whose members list `user`. */
export function groupsOf(text: string, user: string, gid: number): number[] {
  const out = [gid];
  for (const line of text.split('\n')) {
    const [, , id, members] = line.split(':');
    if (id === undefined || members === undefined || !isId(id)) continue;
    const n = Number(id);
    if (!out.includes(n) && members.split(',').map((m) => m.trim()).includes(user)) out.push(n);
  }
  return out;
}

/** A user database file's text, or a line saying why it cannot be used. */
function readDb(path: string): string | { error: string } {
  try {
    const text = readSmallFile(path, USER_DB_CAP);
    return text ?? { error: `${path} does not exist` };
  } catch (err) {
    const why = err instanceof SmallFileError ? err.message : ((err as NodeJS.ErrnoException).code ?? String(err));
    return { error: `unable to read ${path}: ${why}` };
  }
}

/** Where the databases are (tests may point elsewhere; svinit reads /etc). */
export interface UserDb {
  readonly passwd: string;
  readonly group: string;
}

const ETC: UserDb = { passwd: PASSWD_FILE, group: GROUP_FILE };

/**
 * The identity the `user` file of service directory `dir` names: null when there is no such file;
 * `{ error }` (one line naming the file and the fix) when it cannot be used.
 */
export function serviceUser(dir: string, db: UserDb = ETC): Identity | null | { error: string } {
  const file = join(dir, 'user');
  const shown = escapeControl(file);
  let spec: string | null;
  try {
    spec = readSmallFile(file)?.trim() ?? null;
  } catch (err) {
    const why = err instanceof SmallFileError ? err.message : ((err as NodeJS.ErrnoException).code ?? String(err));
    return { error: `unable to read ${shown}: ${why} (make it a regular file holding a user name or uid:gid)` };
  }
  if (spec === null) return null;
  const fix = `write a user name or uid:gid that exists, e.g. nobody or 65534:65534, in ${shown}`;
  if (spec === '') return { error: `unable to use ${shown}: it is empty (${fix})` };
  const numeric = /^(\d+):(\d+)$/.exec(spec);
  if (numeric === null && /[:\s]/.test(spec)) return { error: `unable to use ${shown}: "${escapeControl(spec.slice(0, 40))}" is neither a name nor uid:gid (${fix})` };
  const passwd = readDb(db.passwd);
  if (typeof passwd !== 'string') return { error: `unable to run the service as "${escapeControl(spec)}" (${shown}): ${passwd.error}` };
  const entries = parsePasswd(passwd);
  let uid: number;
  let gid: number;
  let entry: PasswdEntry | undefined;
  if (numeric !== null) {
    const [, u = '', g = ''] = numeric;
    if (!isId(u) || !isId(g)) return { error: `unable to use ${shown}: "${spec}" is out of range (${fix})` };
    uid = Number(u);
    gid = Number(g);
    entry = entries.find((e) => e.uid === uid);
  } else {
    entry = entries.find((e) => e.name === spec);
    if (entry === undefined) return { error: `unable to use ${shown}: no user "${escapeControl(spec)}" in ${db.passwd} (add the user, or ${fix})` };
    uid = entry.uid;
    gid = entry.gid;
  }
  // uid:gid says exactly which group; a name takes its groups from the group database.
  let groups = [gid];
  if (numeric === null && entry !== undefined) {
    const group = readDb(db.group);
    if (typeof group !== 'string') return { error: `unable to run the service as "${escapeControl(spec)}" (${shown}): ${group.error}` };
    groups = groupsOf(group, entry.name, gid);
  }
  const env: Record<string, string> = entry === undefined ? {} : { HOME: entry.home, USER: entry.name, LOGNAME: entry.name };
  return { uid, gid, groups, env };
}

/** What the spawn switches to: uid, gid and groups; null when the child stays svinit's own user. */
export interface Credentials {
  readonly uid: number;
  readonly gid: number;
  readonly groups: readonly number[];
}

/**
 * The credentials for `id`: as root, a switch to it; as any other user, nothing when `id` is
 * svinit's own user and group, else an error (only root may switch users).
 */
export function credentialsFor(id: Identity, dir: string): Credentials | null | { error: string } {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  if (uid === 0) return { uid: id.uid, gid: id.gid, groups: id.groups };
  if (id.uid === uid && id.gid === gid) return null;
  return { error: `unable to use ${escapeControl(join(dir, 'user'))}: svinit runs as uid ${uid}, not root, so it cannot run the service as uid ${id.uid} (run svinit as root, or remove the file)` };
}
