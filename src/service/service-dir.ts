// Probing the entries of a runit service directory the way runsv and sv do: ./finish counts when it
// can be opened for reading, ./down when it exists at all, log/ when it is a directory (a symlink
// to one counts), control/<c> when its owner-execute bit is set.
// An absent entry is the common case: it is probed without an exception (existsSync, or statSync
// with throwIfNoEntry), which costs a start-up of 100 services several hundred exceptions less.
import { closeSync, constants, existsSync, openSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null; // ENOTDIR, EACCES, ELOOP: not usable either
  }
}

/** Whether `./finish` is present in runsv's sense: it can be opened for reading. */
export function hasFinish(dir: string): boolean {
  if (!existsSync(join(dir, 'finish'))) return false;
  try {
    closeSync(openSync(join(dir, 'finish'), constants.O_RDONLY | constants.O_NONBLOCK));
    return true;
  } catch {
    return false;
  }
}

/** Whether a `down` file (of any type) exists in `dir`. */
export function hasDownFile(dir: string): boolean {
  return statOrNull(join(dir, 'down')) !== null;
}

/** Whether a `critical` file (of any type) exists in `dir`: its failure for good ends the container. */
export function hasCriticalFile(dir: string): boolean {
  return statOrNull(join(dir, 'critical')) !== null;
}

/** What `log` in a service directory is: absent, a directory, or something else (runsv warns and goes on). */
export function logKind(dir: string): 'none' | 'dir' | 'not-dir' {
  const st = statOrNull(join(dir, 'log'));
  if (st === null) return 'none';
  return st.isDirectory() ? 'dir' : 'not-dir';
}

/** Whether control/<c> is usable: it exists and its owner-execute bit is set (runsv's test). */
export function overrideUsable(dir: string, c: string): boolean {
  const st = statOrNull(join(dir, 'control', c));
  return st !== null && st.isFile() && (Number(st.mode) & 0o100) !== 0;
}
