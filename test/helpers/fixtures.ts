// Builds the C fixture programs (test/fixtures/*.c) with `cc` into a temp dir, once per process.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/test/helpers/). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const built = new Map<string, string>();
let dir: string | undefined;

/** A scratch directory removed when the process exits. */
export function scratchDir(): string {
  if (dir === undefined) {
    const d = mkdtempSync(join(tmpdir(), 'svinit-test-'));
    chmodSync(d, 0o755); // fixtures are also run under other uids
    dir = d;
    process.on('exit', () => rmSync(d, { recursive: true, force: true }));
  }
  return dir;
}

/** Path of the compiled fixture `name` (from test/fixtures/<name>.c). */
export function cFixture(name: string): string {
  const have = built.get(name);
  if (have !== undefined) return have;
  const out = join(scratchDir(), name);
  execFileSync('cc', ['-O1', '-Wall', '-o', out, join(repoRoot, 'test', 'fixtures', `${name}.c`)], { stdio: 'inherit' });
  built.set(name, out);
  return out;
}

/** The compiled multi-call process fixture (hold | exit | orphans | segv). */
export function procFixture(): string {
  return cFixture('proc-fixture');
}
