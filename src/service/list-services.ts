// runsvdir's rule for which entries of the service directory are services: every entry whose
// name does not start with '.' and that is a directory once symlinks are followed. The scanner,
// the runit engine's shutdown and the status/check commands all list services with it.
// One difference, on purpose: an entry that leads to the service directory itself or one of its
// ancestors (`self -> .`) is skipped; runsvdir would run a runsv in it (docs/reliability.md).
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** An entry of the service directory that runsvdir would supervise. */
export interface ServiceEntry {
  readonly name: string;
  /** root/name, as listed (a symlink stays a symlink). */
  readonly path: string;
  /** "dev:ino" of the directory it leads to: the service's identity across renames. */
  readonly id: string;
}

/** An entry runsvdir skips besides dot-names: not a directory, or stat failed (ENOENT: a dangling link). */
export type SkippedEntry =
  | { readonly name: string; readonly path: string; readonly kind: 'not-dir' }
  | { readonly name: string; readonly path: string; readonly kind: 'ancestor' }
  | { readonly name: string; readonly path: string; readonly kind: 'unstatable'; readonly code: string };

/**
 * The services in `root`, sorted by name. Each skipped entry (not dot-names) goes to `onSkip`,
 * for a caller that reports it; by default it is skipped silently, as runsvdir and sv do.
 * Throws the readdir error (an errno exception) when `root` cannot be listed.
 */
export function listServices(root: string, onSkip: (skipped: SkippedEntry) => void = () => undefined): ServiceEntry[] {
  const out: ServiceEntry[] = [];
  const names = readdirSync(root).sort();
  const above = ancestors(root);
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const path = join(root, name);
    try {
      const st = statSync(path);
      const id = `${st.dev}:${st.ino}`;
      if (!st.isDirectory()) onSkip({ name, path, kind: 'not-dir' });
      else if (above.has(id)) onSkip({ name, path, kind: 'ancestor' });
      else out.push({ name, path, id });
    } catch (err) {
      // A dangling symlink, or an entry that vanished while we looked.
      onSkip({ name, path, kind: 'unstatable', code: (err as NodeJS.ErrnoException).code ?? 'error' });
    }
  }
  return out;
}

/** "dev:ino" of `root` and of every directory above it, up to /. */
function ancestors(root: string): Set<string> {
  const ids = new Set<string>();
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    const st = statSync(dir, { throwIfNoEntry: false });
    if (st !== undefined) ids.add(`${st.dev}:${st.ino}`);
    if (dirname(dir) === dir) return ids;
  }
}
