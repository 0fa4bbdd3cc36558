// Checks the files of prebuilds/ from the built bytes, so a newer compiler or C library cannot
// raise what they need without a failure (`npm run prebuild` runs it; so does the package test):
//   - each file is an ELF for its architecture;
//   - glibc addons: no symbol version newer than GLIBC_2.28 (the floor of Node 20's official
//     binaries) and no library but libc.so.6;
//   - the musl addon: linked against musl's libc alone, with every symbol resolved (no musl build
//     of Node exists to load it in, so linking is the check: see docs/install.md);
//   - the fronts: static, with no program interpreter.
//   node scripts/check-prebuilds.js [DIR]     prints one line a file; exits 1 on the first failure
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GLIBC_FLOOR = '2.28';
const MACHINES = { x64: 'Advanced Micro Devices X86-64', arm64: 'AArch64' };

function readelf(args, file) {
  return execFileSync('readelf', ['-W', ...args, file], { encoding: 'utf8' });
}

function versionLess(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) < (pb[i] ?? 0);
  }
  return false;
}

/** The libraries a file needs (DT_NEEDED), from readelf. */
function needed(file) {
  return [...readelf(['-d'], file).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
}

/** The highest GLIBC_x.y version among a file's dynamic symbols, with the symbol that needs it. */
export function glibcNeeded(file) {
  let best = { version: '0', symbol: '' };
  for (const m of readelf(['--dyn-syms'], file).matchAll(/ (\w+)@GLIBC_([0-9.]+)/g)) {
    if (versionLess(best.version, m[2])) best = { version: m[2], symbol: m[1] };
  }
  return best;
}

/** Node's own symbols an addon may use: Node-API, and libuv (the sd_notify socket's watch). */
const FROM_NODE = /^(napi_|uv_)/;

/** Links the musl addon into a program against musl's libc and a stand-in for Node's napi_* and uv_* symbols. */
function muslLinks(file) {
  const undef = [...readelf(['--dyn-syms'], file).matchAll(/ UND (\w+)/g)].map((m) => m[1]);
  const napi = [...new Set(undef.filter((s) => FROM_NODE.test(s)))];
  const dir = mkdtempSync(join(tmpdir(), 'svinit-musl-'));
  try {
    // Node itself provides the napi_* and uv_* functions; each gets a definition here so that the linker's
    // --no-allow-shlib-undefined reports every *other* symbol musl's libc does not have.
    writeFileSync(join(dir, 'napi.c'), napi.map((s) => `void ${s}(void) {}\n`).join(''));
    writeFileSync(join(dir, 'main.c'), 'int main(void) { return 0; }\n');
    execFileSync('musl-gcc', ['-shared', '-fPIC', '-o', join(dir, 'libnapi.so'), join(dir, 'napi.c')]);
    execFileSync('musl-gcc', [
      '-o', join(dir, 'main'), join(dir, 'main.c'), '-Wl,--no-as-needed', resolve(file), join(dir, 'libnapi.so'),
      '-Wl,--no-allow-shlib-undefined',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    return napi.length;
  } catch (err) {
    throw new Error(`unable to link ${file} against musl alone: ${String(err.stderr ?? err.message).trim()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkOne(dir, t) {
  const file = join(dir, t.dir, t.file);
  const name = `${t.dir}/${t.file}`;
  const machine = /Machine:\s+(.+)/.exec(readelf(['-h'], file))?.[1]?.trim();
  if (machine !== MACHINES[t.machine]) throw new Error(`${name}: built for ${machine}, not ${MACHINES[t.machine]}`);
  const libs = needed(file);
  if (t.libc === 'static') {
    if (libs.length > 0 || /INTERP/.test(readelf(['-l'], file))) throw new Error(`${name}: not static (needs ${libs.join(', ')})`);
    return `${name}: ${t.machine}, static`;
  }
  if (t.libc === 'glibc') {
    if (libs.some((l) => l !== 'libc.so.6')) throw new Error(`${name}: needs ${libs.join(', ')}, not only libc.so.6`);
    const need = glibcNeeded(file);
    if (versionLess(GLIBC_FLOOR, need.version)) {
      throw new Error(`${name}: needs GLIBC_${need.version} (${need.symbol}), newer than the floor ${GLIBC_FLOOR}`);
    }
    return `${name}: ${t.machine}, glibc floor ${need.version} (${need.symbol}), at most ${GLIBC_FLOOR}`;
  }
  if (libs.some((l) => l !== 'libc.so')) throw new Error(`${name}: needs ${libs.join(', ')}, not only musl's libc.so`);
  const n = muslLinks(file);
  return `${name}: ${t.machine}, links against musl's libc alone (${n} napi_* and uv_* symbols left to Node)`;
}

/** Checks every target's file under `dir`; returns one line a file, throws on the first failure. */
export function checkPrebuilds(dir, targets) {
  return targets.map((t) => checkOne(dir, t));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { TARGETS } = await import('./prebuild.js');
  try {
    for (const line of checkPrebuilds(resolve(process.argv[2] ?? 'prebuilds'), TARGETS)) process.stdout.write(`${line}\n`);
  } catch (err) {
    process.stderr.write(`check-prebuilds: error: ${err.message}\n`);
    process.exit(1);
  }
}
