// Finds and loads the compiled addon (build/Release/svinit.node) relative to the package root,
// so it works from the compiled dist/src/native/ as well as from src/native/.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import type { Addon } from './addon.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Every place the addon may be, in the order they are tried. */
export function addonCandidates(): string[] {
  // dist/src/native -> package root is three levels up; src/native -> two.
  const roots = [resolve(here, '../../..'), resolve(here, '../..')];
  const out: string[] = [];
  for (const root of roots) {
    for (const kind of ['Release', 'Debug']) {
      const p = resolve(root, 'build', kind, 'svinit.node');
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

/** Loads the addon; throws ERR_NATIVE_MISSING (with every path tried and the fix) if it is not built. */
export function loadAddon(candidates: readonly string[] = addonCandidates()): Addon {
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) {
    throw new NativeLoadError(
      'ERR_NATIVE_MISSING',
      `unable to load the native addon: not built (looked at ${candidates.join(', ')}); ` +
        'run `npm rebuild svinit` (or `npm run install` in a checkout) with a C compiler, make and python3 installed',
    );
  }
  try {
    return createRequire(import.meta.url)(found) as Addon;
  } catch (err) {
    throw new NativeLoadError(
      'ERR_NATIVE_LOAD',
      `unable to load the native addon ${found}: ${(err as Error).message}; ` +
        'rebuild it for this Node with `npm rebuild svinit` (or `npm run install` in a checkout)',
      err,
    );
  }
}
