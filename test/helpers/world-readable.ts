// A copy of the built package that any user can read, for tests that run code as `nobody`: the
// checkout itself may sit under a directory only root can enter (mktemp -d makes them 0700).
import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '../../..');
let copy: string | null = null;

/** The root of a world-readable copy of package.json, dist/ and the addon; made once per process. */
export function worldReadableRoot(): string {
  if (copy !== null) return copy;
  const root = mkdtempSync(join(tmpdir(), 'svinit-pkg-'));
  chmodSync(root, 0o755);
  for (const rel of ['package.json', 'dist', join('build', 'Release', 'svinit.node')]) {
    cpSync(join(repoRoot, rel), join(root, rel), { recursive: true });
  }
  chmodSync(join(root, 'build'), 0o755);
  chmodSync(join(root, 'build', 'Release'), 0o755);
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  copy = root;
  return root;
}

/** `path` (inside the checkout) as the same file inside the world-readable copy. */
export function inWorldReadable(path: string): string {
  return join(worldReadableRoot(), path.slice(repoRoot.length + 1));
}
