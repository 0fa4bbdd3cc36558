// Finding a program on $PATH the way execvp(3) does, without trying to exec each candidate:
// the first regular file with execute permission wins; a candidate that exists but may not be
// executed is remembered, so that "not found" (127) and "not executable" (126) can be told apart.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** execvp's default search path when $PATH is unset. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export type PathSearch =
  | { readonly kind: 'found'; readonly path: string }
  | { readonly kind: 'not-found' }
  /** Something of that name exists on $PATH but is a directory or lacks execute permission. */
  | { readonly kind: 'not-executable'; readonly path: string };

function executable(candidate: string): boolean | null {
  let isFile: boolean;
  try {
    isFile = statSync(candidate).isFile();
  } catch {
    return null; // nothing there (or a dangling link, or a directory we cannot search)
  }
  if (!isFile) return false;
  try {
    accessSync(candidate, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Looks `name` up as execvp would: a name with a slash is used as it is; otherwise each $PATH
 * entry in turn (an empty entry is the working directory). Relative paths are taken from `cwd`
 * (default svinit's own): the directory the program will run in, which need not be svinit's.
 */
export function findOnPath(name: string, path: string | undefined, cwd?: string): PathSearch {
  const from = (p: string): string => (cwd === undefined ? p : resolve(cwd, p));
  if (name.includes('/')) {
    const candidate = from(name);
    const ok = executable(candidate);
    return ok === null ? { kind: 'not-found' } : ok ? { kind: 'found', path: candidate } : { kind: 'not-executable', path: candidate };
  }
  let denied: string | null = null;
  for (const dir of (path ?? DEFAULT_PATH).split(delimiter)) {
    const candidate = from(join(dir === '' ? '.' : dir, name));
    const ok = executable(candidate);
    if (ok === true) return { kind: 'found', path: candidate };
    if (ok === false) denied ??= candidate;
  }
  return denied === null ? { kind: 'not-found' } : { kind: 'not-executable', path: denied };
}

/** The path of `name` on $PATH, or null (for programs svinit itself runs, such as runsvdir). */
export function which(name: string, path: string | undefined): string | null {
  const r = findOnPath(name, path);
  return r.kind === 'found' ? r.path : null;
}
