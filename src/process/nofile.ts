// The RLIMIT_NOFILE soft limit svinit was started with. Node raises the soft limit to the hard
// limit before any JS runs (PlatformInit), so the original is gone by the time we could read it;
// the launcher bin/svinit exports SVINIT_NOFILE="$(ulimit -Sn)" before exec'ing node. See docs/nofile.md.
import { readdirSync } from 'node:fs';
import { getNofile } from '../native/native.js';

/** The environment variable the launcher sets. */
export const NOFILE_ENV = 'SVINIT_NOFILE';

/** An error with code ERR_NOFILE_INVALID: a limit that is not a count or 'unlimited'. */
export class NofileError extends Error {
  readonly code = 'ERR_NOFILE_INVALID';
}

/** Parses a limit as `ulimit -n` prints it: a decimal count or 'unlimited' (Infinity). */
export function parseNofile(value: string): number {
  const text = value.trim();
  if (text === 'unlimited') return Infinity;
  if (/^\d{1,15}$/.test(text)) return Number(text);
  throw new NofileError(
    `unable to read ${NOFILE_ENV} ${JSON.stringify(value)}: not a count or "unlimited"; ` +
      'start svinit through bin/svinit, or unset it',
  );
}

/** Where the original limit came from. */
export interface OriginalNofile {
  /** The soft limit to give children (Infinity = RLIM_INFINITY). */
  readonly soft: number;
  /** 'env': SVINIT_NOFILE; 'current': the limit now (svinit was started without the launcher). */
  readonly source: 'env' | 'current';
  /** Why SVINIT_NOFILE was not used although set; for the caller to log once. */
  readonly problem?: string;
}

let cached: OriginalNofile | undefined;

/**
 * The original soft RLIMIT_NOFILE. Falls back to the current soft limit when SVINIT_NOFILE is
 * missing or invalid: that is the hard limit (Node raised it), which is also what a child of
 * `child_process` would get, so nothing is worse than plain Node. Cached after the first call,
 * so read it at start-up (a later change to process.env has no effect).
 */
export function originalNofile(env: NodeJS.ProcessEnv = process.env): OriginalNofile {
  if (cached !== undefined && env === process.env) return cached;
  const result = readOriginal(env);
  if (env === process.env) cached = result;
  return result;
}

function readOriginal(env: NodeJS.ProcessEnv): OriginalNofile {
  const raw = env[NOFILE_ENV];
  const current = (): number => getNofile().soft;
  if (raw === undefined || raw === '') return { soft: current(), source: 'current' };
  try {
    return { soft: parseNofile(raw), source: 'env' };
  } catch (err) {
    return { soft: current(), source: 'current', problem: (err as Error).message };
  }
}

/**
 * The soft limit a child gets by default: the original, but never above the current hard limit
 * (a bogus SVINIT_NOFILE must not make every spawn fail with EINVAL).
 */
export function defaultChildNofile(): number {
  const { soft } = originalNofile();
  return Math.min(soft, getNofile().hard);
}

/** The descriptors this process has open now (/proc/self/fd), or null where /proc is not mounted. */
export function openFdCount(): number | null {
  try {
    // The listing includes the descriptor readdir itself opened.
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return null;
  }
}
