// svinit's version, read from the package's own package.json (one definition for every entry point).
import { readFileSync } from 'node:fs';

/** svinit's version, from package.json. */
export function version(): string {
  // Compiled (dist/src/init/) or bundled (dist/bundle/chunks/), the package root is above.
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'svinit' && pkg.version !== undefined) return pkg.version;
    } catch {
      // not this one
    }
  }
  return 'unknown';
}
