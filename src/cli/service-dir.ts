// Where the services are, found the way the init finds them (--dir, else $SVDIR, else
// /etc/service), and which entries of that directory are services (runsvdir's rules).
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The default service directory (Debian's runit default; the init uses the same). */
export const DEFAULT_SERVICE_DIR = '/etc/service';

/** The service directory: `--dir` if given, else $SVDIR if set and non-empty, else /etc/service. */
export function serviceRoot(dirFlag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (dirFlag !== undefined && dirFlag !== '') return dirFlag;
  const svdir = env['SVDIR'];
  return svdir !== undefined && svdir !== '' ? svdir : DEFAULT_SERVICE_DIR;
}

/**
 * The services in `root`, sorted: entries whose name does not start with `.` and that are
 * directories once symlinks are followed (runsvdir skips dot-names, files and dangling links).
 * Throws the readdir error (an errno exception) when `root` cannot be listed.
 */
export function listServices(root: string): string[] {
  const names: string[] = [];
  for (const name of readdirSync(root)) {
    if (name.startsWith('.')) continue;
    try {
      if (statSync(join(root, name)).isDirectory()) names.push(name);
    } catch {
      // A dangling symlink or an entry that vanished: runsvdir skips it too.
    }
  }
  return names.sort();
}

/** sv's chdir(dir) check, as an errno name: undefined when the directory can be entered. */
export function chdirError(dir: string | undefined): string | undefined {
  if (dir === undefined) return 'ENOENT';
  try {
    const st = statSync(dir);
    if (!st.isDirectory()) return 'ENOTDIR';
    // chdir needs search permission on the directory itself, which stat does not.
    accessSync(dir, constants.X_OK);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'EIO';
  }
  return undefined;
}
