// The npm package as users get it: `npm run prebuilds`, `npm pack`, and an install of the tarball
// into an empty directory whose PATH has node and a few shell tools but no compiler, make or python.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { repoRoot } from './fixtures.js';

/** What `npm pack` reported, and where the tarball went. */
export interface Packed {
  readonly tarball: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly string[];
}

/** An install of the tarball: its directory, the PATH it ran with, and how long npm took. */
export interface Installed {
  readonly dir: string;
  readonly pkg: string;
  readonly path: string;
  readonly ms: number;
  readonly npmOutput: string;
}

// The toolchains the prebuilds need (scripts/prebuild.js), by Debian package.
const CROSS = [['musl-gcc', 'musl-tools'], ['aarch64-linux-gnu-gcc', 'gcc-aarch64-linux-gnu'], ['readelf', 'binutils']];

/** Why the package cannot be built here, or false. */
export const PACK_SKIP: string | false = (() => {
  const missing = CROSS.filter(([cc]) => spawnSync(cc ?? '', ['--version'], { stdio: 'ignore' }).status !== 0);
  if (missing.length === 0) return false;
  const why = `the prebuilds need ${missing.map(([cc, pkg]) => `${cc} (apt-get install ${pkg})`).join(', ')}; package tests skipped`;
  console.log(`# ${why}`);
  return why;
})();

/** A new temp directory, removed when this process exits. */
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `npm run prebuilds` (with --twice: and checks that a second build gives the same bytes). */
export function prebuild(twice = false): string {
  return execFileSync('npm', ['run', '--silent', 'prebuilds', ...(twice ? ['--', '--twice'] : [])], { cwd: repoRoot, encoding: 'utf8' });
}

/** `npm pack` of the checkout (its scripts already run by the caller), into a new temp dir. */
export function pack(): Packed {
  const dest = tempDir('svinit-pack-');
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], { cwd: repoRoot, encoding: 'utf8' });
  const [info] = JSON.parse(out) as { filename: string; size: number; unpackedSize: number; files: { path: string }[] }[];
  if (info === undefined) throw new Error(`npm pack printed no package: ${out}`);
  return { tarball: join(dest, info.filename), size: info.size, unpackedSize: info.unpackedSize, files: info.files.map((f) => f.path).sort() };
}

/** A bin directory of symlinks to the tools named, found on this PATH. */
function toolDir(tools: readonly string[]): string {
  const dir = tempDir('svinit-path-');
  for (const tool of tools) {
    const where = tool === 'node' ? process.execPath : execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
    symlinkSync(realpathSync(where), join(dir, tool));
  }
  return dir;
}

/** The tools an install and a service directory need; no cc, gcc, make or python among them. */
export const USER_TOOLS = ['node', 'npm', 'sh', 'env', 'readlink', 'sleep', 'cat', 'unshare'];

/** Installs `tarball` into a new empty project with npm, offline, under a PATH of USER_TOOLS only. */
export function installTarball(tarball: string): Installed {
  const dir = tempDir('svinit-app-');
  writeFileSync(join(dir, 'package.json'), '{ "name": "app", "version": "1.0.0", "private": true }\n');
  mkdirSync(join(dir, 'home'));
  const path = toolDir(USER_TOOLS);
  const t0 = performance.now();
  const r = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], {
    cwd: dir, encoding: 'utf8', env: { PATH: path, HOME: join(dir, 'home') },
  });
  const ms = performance.now() - t0;
  const npmOutput = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) throw new Error(`npm install of ${tarball} failed (${r.status}):\n${npmOutput}`);
  return { dir, pkg: join(dir, 'node_modules', 'svinit'), path, ms, npmOutput };
}
