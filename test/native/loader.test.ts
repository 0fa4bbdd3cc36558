// The loader's platform detection against real programs (glibc, musl, static), the addon's own
// errno-name table against Node's, and the prebuild it picks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addon } from '../../src/native/native.js';
import { addonCandidates, libcOf, platformTag } from '../../src/native/loader.js';
import { scratchDir } from '../helpers/fixtures.js';

function compiler(cc: string): boolean {
  try {
    execFileSync(cc, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A C program built with `cc` and `flags`, or undefined when that compiler is missing. */
function program(cc: string, name: string, flags: string[] = []): string | undefined {
  if (!compiler(cc)) return undefined;
  const src = join(scratchDir(), `${name}.c`);
  writeFileSync(src, 'int main(void) { return 0; }\n');
  const out = join(scratchDir(), name);
  execFileSync(cc, [...flags, '-o', out, src]);
  return out;
}

test("libcOf reads the program interpreter: this Node's, a musl program's, a static one's", (t) => {
  const glibc = program('cc', 'glibc-prog');
  assert.ok(glibc !== undefined, 'cc is needed by every native test');
  assert.equal(libcOf(glibc), 'glibc');
  assert.equal(libcOf(process.execPath), 'glibc', 'the Node on this machine is a glibc build');
  assert.equal(libcOf(program('cc', 'static-prog', ['-static']) ?? ''), undefined);
  assert.equal(libcOf('/nonexistent'), undefined);
  assert.equal(libcOf(join(scratchDir(), 'glibc-prog.c')), undefined, 'not an ELF file');
  const musl = program('musl-gcc', 'musl-prog');
  if (musl === undefined) {
    t.skip('musl-gcc not installed (Debian: musl-tools): the musl case is not checked');
    return;
  }
  assert.equal(libcOf(musl), 'musl');
});

test('platformTag: linux-ARCH-LIBC, the prebuild folder first among the candidates', () => {
  assert.equal(platformTag(), `linux-${process.arch}-glibc`);
  assert.equal(platformTag('arm64'), 'linux-arm64-glibc');
  const first = addonCandidates()[0] ?? '';
  assert.ok(first.endsWith(`/prebuilds/linux-${process.arch}-glibc/svinit.node`), first);
});

test("errnoName: the addon's own table names every errno Node knows, on any libc", () => {
  // Aliases share a number with the name the table gives (EWOULDBLOCK is EAGAIN on Linux).
  const aliases = new Set(['EWOULDBLOCK', 'EDEADLOCK', 'ENOTSUP']);
  const names = Object.entries(constants.errno).filter(([name]) => !aliases.has(name));
  assert.ok(names.length > 70, `Node lists ${names.length} errnos`);
  for (const [name, num] of names) assert.equal(addon().errnoName(num), name, `errno ${num}`);
  assert.equal(addon().errnoName(constants.errno.EWOULDBLOCK), 'EAGAIN');
  for (const n of [0, 4095, 100000]) assert.equal(addon().errnoName(n), 'EUNKNOWN');
});
