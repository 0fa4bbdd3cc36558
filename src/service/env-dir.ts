// Environment directories, with runit's `chpst -e` rules: one file per variable; the value is
// the file's first line with trailing spaces and tabs cut and each NUL turned into a newline; an
// empty file removes the variable; names starting with "." are skipped. Used for the container's
// directories (/etc/svinit/env, my_init's /etc/container_environment) and a service's own env/.
// Every file is read through readSmallFile (non-blocking, type-checked, capped); a bad entry is one
// problem line and the rest is applied.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { escapeControl } from '../log/logger.js';
import { readSmallFile, SmallFileError } from './small-file.js';

/** The most one variable's file may hold (a certificate or a key fits; /dev/zero does not). */
export const ENV_FILE_CAP = 256 * 1024;
/** The most files one directory may hold; beyond this, the rest are ignored with one line. */
export const ENV_DIR_MAX_FILES = 4096;

/** What one directory changes: variables set (in name order) and variables removed. */
export interface EnvChanges {
  readonly set: ReadonlyMap<string, string>;
  readonly unset: ReadonlySet<string>;
}

/** One entry that could not be used: the file and the one line that says why and what to do. */
export interface EnvProblem {
  readonly file: string;
  readonly message: string;
}

export interface EnvDirResult {
  /** null when the directory does not exist (nothing to apply, nothing to say). */
  readonly changes: EnvChanges | null;
  readonly problems: readonly EnvProblem[];
}

/** chpst's value of a file's text: the first line, trailing blanks cut, NUL as newline. */
export function envValue(text: string): string {
  const nl = text.indexOf('\n');
  const line = nl < 0 ? text : text.slice(0, nl);
  return line.replace(/[ \t]+$/, '').replaceAll('\0', '\n');
}

/** Reads the environment directory `dir`; never throws. */
export function readEnvDir(dir: string): EnvDirResult {
  let st;
  try {
    st = statSync(dir, { throwIfNoEntry: false });
  } catch (err) {
    return { changes: null, problems: [{ file: dir, message: `unable to read environment directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}; nothing from it is applied` }] };
  }
  if (st === undefined) return { changes: null, problems: [] };
  if (!st.isDirectory()) {
    return { changes: null, problems: [{ file: dir, message: `unable to use environment directory ${dir}: it is not a directory; make it one, one file per variable` }] };
  }
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => !n.startsWith('.')).sort();
  } catch (err) {
    return { changes: null, problems: [{ file: dir, message: `unable to list environment directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}; nothing from it is applied` }] };
  }
  const problems: EnvProblem[] = [];
  if (names.length > ENV_DIR_MAX_FILES) {
    problems.push({ file: dir, message: `environment directory ${dir} holds ${names.length} files: only the first ${ENV_DIR_MAX_FILES} (in name order) are applied` });
    names = names.slice(0, ENV_DIR_MAX_FILES);
  }
  const set = new Map<string, string>();
  const unset = new Set<string>();
  for (const name of names) {
    const path = join(dir, name);
    const shown = escapeControl(path);
    if (name.includes('=')) {
      problems.push({ file: path, message: `unable to use ${shown}: a variable name cannot contain "="; rename the file` });
      continue;
    }
    let text: string | null;
    try {
      text = readSmallFile(path, ENV_FILE_CAP);
    } catch (err) {
      const why = err instanceof SmallFileError ? err.message : ((err as NodeJS.ErrnoException).code ?? String(err));
      const fix = err instanceof SmallFileError && err.code === 'ERR_FILE_TOO_LARGE'
        ? `keep the value under ${ENV_FILE_CAP} bytes` : 'make it a readable regular file holding the value';
      problems.push({ file: path, message: `unable to read ${shown}: ${why}; ${name} is left as it was (${fix})` });
      continue;
    }
    if (text === null) continue; // removed while listing
    if (text === '') {
      unset.add(name);
      set.delete(name);
    } else {
      set.set(name, envValue(text));
      unset.delete(name);
    }
  }
  return { changes: { set, unset }, problems };
}

/** `base` with `changes` applied (a new object; base is not touched). */
export function applyEnv(base: Readonly<Record<string, string>>, changes: EnvChanges | null): Record<string, string> {
  const out: Record<string, string> = { ...base };
  if (changes === null) return out;
  for (const name of changes.unset) delete out[name];
  for (const [name, value] of changes.set) out[name] = value;
  return out;
}
