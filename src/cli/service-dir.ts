// Where the services are, found the way the init finds them (--dir, else $SVDIR, else
// /etc/service), and whether sv could enter a service's directory. Which entries of that
// directory are services is runsvdir's rule, listServices in src/service/list-services.ts.
import { accessSync, constants, statSync } from 'node:fs';

/** The default service directory (Debian's runit default; the init uses the same). */
export const DEFAULT_SERVICE_DIR = '/etc/service';

/** The service directory: `--dir` if given, else $SVDIR if set and non-empty, else /etc/service. */
export function serviceRoot(dirFlag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (dirFlag !== undefined && dirFlag !== '') return dirFlag;
  const svdir = env['SVDIR'];
  return svdir !== undefined && svdir !== '' ? svdir : DEFAULT_SERVICE_DIR;
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
