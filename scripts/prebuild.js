// `npm run prebuild`: builds the addon and the C front for every platform the package ships, into
// prebuilds/, then checks each file (scripts/check-prebuilds.js). Run by `npm pack` (prepack), so
// no tarball goes out without them. docs/install.md tells the whole story.
//
//   prebuilds/linux-x64-glibc/svinit.node    gcc                    (Debian's build-essential)
//   prebuilds/linux-x64-musl/svinit.node     musl-gcc               (Debian's musl-tools)
//   prebuilds/linux-arm64-glibc/svinit.node  aarch64-linux-gnu-gcc  (Debian's gcc-aarch64-linux-gnu)
//   prebuilds/linux-x64/svinit-front         gcc -static            (any x64 libc)
//   prebuilds/linux-arm64/svinit-front       aarch64-linux-gnu-gcc -static
//
// Why the compilers are called directly, not through node-gyp: a Node-API addon needs only the
// Node-API headers (the pinned node-api-headers package, not the running Node's), and fixed flags
// give the same bytes on every run and machine with the same compilers (checked: `--twice`).
// Why the fronts are static: the launcher is a shell script that must pick one without forking
// (as PID 1, a signal that comes while it forks is lost); a static front needs no libc match.
// Static glibc, not musl: musl reserves signals 32-34 for itself (sigaddset refuses them), so a
// musl front could not hold and forward SIGRTMIN (34) as the glibc front does.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPrebuilds } from './check-prebuilds.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const HEADERS = dirname(createRequire(import.meta.url).resolve('node-api-headers/include/node_api.h'));
// The addon's sources are binding.gyp's (one list for node-gyp and for the prebuilds).
const ADDON_SOURCES = JSON.parse(readFileSync(join(ROOT, 'binding.gyp'), 'utf8')).targets.find((t) => t.target_name === 'svinit').sources;
// The flags of binding.gyp, plus what makes the bytes reproducible and the file small.
const COMMON = [
  '-std=c11', '-O2', '-Wall', '-Wextra', '-Werror', '-D_GNU_SOURCE', `-ffile-prefix-map=${ROOT}=.`,
  '-fno-ident', '-s', '-Wl,--build-id=sha1',
];
// uv.h (the sd_notify socket's watch) is not in node-api-headers: it comes from the running
// Node's headers; libuv keeps its ABI within 1.x, which every Node from 20 on ships.
const UV_HEADERS = resolve(process.execPath, '../../include/node');
const ADDON_FLAGS = [...COMMON, '-Wno-unused-parameter', '-DNAPI_VERSION=8', '-shared', '-fPIC', '-I', HEADERS, '-idirafter', UV_HEADERS];
const FRONT_FLAGS = [...COMMON, '-static'];

/** Every file `npm run prebuild` makes: where it goes, which compiler, and which Debian package has it. */
export const TARGETS = [
  { dir: 'linux-x64-glibc', file: 'svinit.node', cc: 'gcc', pkg: 'gcc', libc: 'glibc', machine: 'x64' },
  { dir: 'linux-x64-musl', file: 'svinit.node', cc: 'musl-gcc', pkg: 'musl-tools', libc: 'musl', machine: 'x64' },
  { dir: 'linux-arm64-glibc', file: 'svinit.node', cc: 'aarch64-linux-gnu-gcc', pkg: 'gcc-aarch64-linux-gnu', libc: 'glibc', machine: 'arm64' },
  { dir: 'linux-x64', file: 'svinit-front', cc: 'gcc', pkg: 'gcc', libc: 'static', machine: 'x64' },
  { dir: 'linux-arm64', file: 'svinit-front', cc: 'aarch64-linux-gnu-gcc', pkg: 'gcc-aarch64-linux-gnu', libc: 'static', machine: 'arm64' },
];

function haveCompiler(cc) {
  try {
    execFileSync(cc, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Builds every target into `out`; returns "sha256  path" lines, in TARGETS order. */
export function buildAll(out) {
  const missing = [...new Set(TARGETS.filter((t) => !haveCompiler(t.cc)).map((t) => `${t.cc} (Debian: ${t.pkg})`))];
  if (missing.length > 0) throw new Error(`unable to build the prebuilds: compiler not found: ${missing.join(', ')}; install them (apt-get install gcc musl-tools gcc-aarch64-linux-gnu)`);
  rmSync(out, { recursive: true, force: true });
  const sums = [];
  for (const t of TARGETS) {
    mkdirSync(join(out, t.dir), { recursive: true });
    const dest = join(out, t.dir, t.file);
    const args = t.file === 'svinit.node' ? [...ADDON_FLAGS, ...ADDON_SOURCES] : [...FRONT_FLAGS, 'native/front.c'];
    execFileSync(t.cc, [...args, '-o', dest], { cwd: ROOT, stdio: 'inherit' });
    sums.push(`${createHash('sha256').update(readFileSync(dest)).digest('hex')}  ${t.dir}/${t.file}`);
  }
  writeFileSync(join(out, 'SHA256SUMS'), `${sums.join('\n')}\n`);
  return sums;
}

function main(argv) {
  const out = join(ROOT, 'prebuilds');
  const sums = buildAll(out);
  if (argv.includes('--twice')) {
    const again = buildAll(join(ROOT, 'build', 'prebuilds-again'));
    rmSync(join(ROOT, 'build', 'prebuilds-again'), { recursive: true, force: true });
    if (again.join('\n') !== sums.join('\n')) throw new Error(`unable to build reproducibly: a second build differs:\n${sums.join('\n')}\n--\n${again.join('\n')}`);
    process.stdout.write('prebuild: a second build gave the same bytes\n');
  }
  for (const line of checkPrebuilds(out, TARGETS)) process.stdout.write(`prebuild: ${line}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`prebuild: error: ${err.message}\n`);
    process.exit(1);
  }
}
