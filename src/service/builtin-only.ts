// The files of a service directory that only svinit's built-in engine reads. With --engine runit
// runsv supervises, and it ignores them: svinit says so once at start for each one it sees.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Read by the built-in engine alone (runsv has no such file); in a service's log/ too, where they apply. */
export const BUILTIN_ONLY_FILES = [
  'env', 'user', 'restart-delay-max', 'restart-reset', 'give-up-after', 'give-up-window',
] as const;

/** The files of the main service only (readiness and dependencies: src/ready/). */
const MAIN_ONLY = ['critical', 'notification-fd', 'notify', 'timeout-ready', 'dependencies.d'] as const;

/** The built-in-only entries present in service directory `dir` ("user", "log/env", ...). */
export function builtinOnlyFiles(dir: string): string[] {
  const found: string[] = [];
  for (const f of [...BUILTIN_ONLY_FILES, ...MAIN_ONLY]) if (existsSync(join(dir, f))) found.push(f);
  for (const f of BUILTIN_ONLY_FILES) if (existsSync(join(dir, 'log', f))) found.push(`log/${f}`);
  return found;
}
