// Compiles the C helpers (bench/tools/*.c) with `cc -O2` into the bench's temporary folder.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { TOOLS_SRC } from './paths.js';
import type { Tools } from './types.js';

function compile(name: string, outDir: string): string {
  const out = join(outDir, name);
  execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-o', out, join(TOOLS_SRC, `${name}.c`)], { stdio: ['ignore', 'pipe', 'pipe'] });
  return out;
}

/** Builds stormer, deathwatch, pidwatch and sigecho; a helper that fails to build is null and `why` says why. */
export function buildTools(outDir: string, say: (line: string) => void): Tools {
  const built: Record<'stormer' | 'deathwatch' | 'pidwatch' | 'sigecho', string | null> = { stormer: null, deathwatch: null, pidwatch: null, sigecho: null };
  const problems: string[] = [];
  for (const name of ['stormer', 'deathwatch', 'pidwatch', 'sigecho'] as const) {
    try {
      built[name] = compile(name, outDir);
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
      problems.push(`unable to compile bench/tools/${name}.c: ${stderr || (err instanceof Error ? err.message : String(err))}`);
    }
  }
  const why = problems.length > 0 ? problems.join('; ') : null;
  say(why === null ? `setup: compiled stormer, deathwatch, pidwatch and sigecho with cc -O2 into ${outDir}` : `setup: ${why}`);
  return { ...built, why };
}
