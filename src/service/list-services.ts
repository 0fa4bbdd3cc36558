// runsvdir's rule for which entries of the service directory are services: every entry whose
// name does not start with '.' and that is a directory once symlinks are followed. The scanner,
// the runit engine's shutdown and the status/check commands all list services with it.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
  | { readonly name: string; readonly path: string; readonly kind: 'unstatable'; readonly code: string };

/**
 * The services in `root`, sorted by name. Each skipped entry (not dot-names) goes to `onSkip`,
 * for a caller that reports it; by default it is skipped silently, as runsvdir and sv do.
 * Throws the readdir error (an errno exception) when `root` cannot be listed.
 */
export function listServices(root: string, onSkip: (skipped: SkippedEntry) => void = () => undefined): ServiceEntry[] {
  const out: ServiceEntry[] = [];
  for (const name of readdirSync(root).sort()) {
    if (name.startsWith('.')) continue;
    const path = join(root, name);
    try {
      const st = statSync(path);
      if (st.isDirectory()) out.push({ name, path, id: `${st.dev}:${st.ino}` });
      else onSkip({ name, path, kind: 'not-dir' });
    } catch (err) {
      // A dangling symlink, or an entry that vanished while we looked.
      onSkip({ name, path, kind: 'unstatable', code: (err as NodeJS.ErrnoException).code ?? 'error' });
    }
  }
  return out;
}
