// Finds and loads the addon: the prebuild for this platform (prebuilds/linux-ARCH-LIBC/svinit.node,
// shipped in the npm package), else a local build (build/Release/svinit.node), relative to the
// package root, so it works from the bundle, from the compiled dist/src/native/ and from src/native/.
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import type { Addon } from './addon.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The C library a program runs on, read from its ELF program interpreter (PT_INTERP). */
export function libcOf(program: string): 'glibc' | 'musl' | undefined {
  const buf = Buffer.alloc(4096);
  let fd: number;
  try {
    fd = openSync(program, 'r');
  } catch {
    return undefined;
  }
  try {
    const n = readSync(fd, buf, 0, buf.length, 0);
    // 64-bit little-endian ELF only: the platforms svinit ships for.
    if (n < 64 || buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 2 || buf[5] !== 1) return undefined;
    const phoff = Number(buf.readBigUInt64LE(32));
    const phentsize = buf.readUInt16LE(54);
    for (let i = 0; i < buf.readUInt16LE(56); i++) {
      const at = phoff + i * phentsize;
      if (at + 56 > n) return undefined;
      if (buf.readUInt32LE(at) !== 3) continue; // PT_INTERP
      const name = Buffer.alloc(Math.min(Number(buf.readBigUInt64LE(at + 32)), 256));
      readSync(fd, name, 0, name.length, Number(buf.readBigUInt64LE(at + 8)));
      return name.toString('latin1').includes('musl') ? 'musl' : 'glibc';
    }
    return undefined; // static: no interpreter to tell
  } finally {
    closeSync(fd);
  }
}

/**
 * This platform's prebuild folder name, e.g. linux-x64-glibc. musl is told by Node's own program
 * interpreter (/lib/ld-musl-*), as the dynamic linker that will load the addon; when that cannot be
 * read, by whether Node reports a glibc version.
 */
export function platformTag(arch: string = process.arch, execPath: string = process.execPath): string {
  let libc = libcOf(execPath);
  if (libc === undefined) {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    libc = header?.glibcVersionRuntime === undefined ? 'musl' : 'glibc';
  }
  return `linux-${arch}-${libc}`;
}

/** Every place the addon may be, most specific first. */
export function addonCandidates(tag: string = platformTag()): string[] {
  // dist/src/native -> package root is three levels up; src/native and dist/bundle -> two.
  // Only a folder with a package.json is a root, so nothing outside the package is looked at.
  const both = [resolve(here, '../..'), resolve(here, '../../..')];
  const withPackage = both.filter((root) => existsSync(resolve(root, 'package.json')));
  const roots = withPackage.length > 0 ? withPackage : both;
  const out: string[] = [];
  for (const rel of [`prebuilds/${tag}/svinit.node`, 'build/Release/svinit.node', 'build/Debug/svinit.node']) {
    for (const root of roots) {
      const p = resolve(root, rel);
      if (!out.includes(p)) out.push(p);
    }
  }
  return out;
}

/** An error carrying one of our ERR_NATIVE_* codes. */
export class NativeLoadError extends Error {
  readonly code: 'ERR_NATIVE_MISSING' | 'ERR_NATIVE_LOAD';
  constructor(code: 'ERR_NATIVE_MISSING' | 'ERR_NATIVE_LOAD', message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'NativeLoadError';
    this.code = code;
  }
}

const FIX = 'build it from source with `npm explore svinit -- npm run build:native` ' +
  '(needs python3, make and a C compiler; in a checkout: `npm run build:native`)';

/** Loads the addon; throws ERR_NATIVE_MISSING (with every path tried and the fix) if there is none. */
export function loadAddon(candidates: readonly string[] = addonCandidates(), tag: string = platformTag()): Addon {
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) {
    throw new NativeLoadError(
      'ERR_NATIVE_MISSING',
      `unable to load the native addon: no prebuild for ${tag} and no local build (looked at ${candidates.join(', ')}); ${FIX}`,
    );
  }
  try {
    return createRequire(import.meta.url)(found) as Addon;
  } catch (err) {
    throw new NativeLoadError(
      'ERR_NATIVE_LOAD',
      `unable to load the native addon ${found}: ${(err as Error).message.split('\n')[0] ?? ''}; ${FIX}`,
      err,
    );
  }
}
