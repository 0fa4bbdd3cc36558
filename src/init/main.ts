// Wires the init together from parsed options: logger, guard, reaper, engine; returns the exit code.
import { readFileSync } from 'node:fs';
import { createLogger, fdSink, type Level } from '../log/logger.js';
import { EXIT_SETUP } from '../process/exit-codes.js';
import { Reaper } from '../process/reaper.js';
import { createBuiltinEngine } from '../engine/builtin.js';
import { createRunitEngine } from '../engine/runit.js';
import { assertNoChildProcess } from './guard.js';
import { HELP, parseInitArgs, UsageError, type InitOptions } from './options.js';
import { runInit } from './init.js';

/** svinit's version, from package.json. */
export function version(): string {
  // Compiled (dist/src/init/) or bundled (dist/bundle/chunks/), the package root is above.
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'svinit' && pkg.version !== undefined) return pkg.version;
    } catch {
      // not this one
    }
  }
  return 'unknown';
}

/** Variables meant for svinit alone: the launcher's record of the limit, and the test-only fault switch. */
const LAUNCHER_ONLY = new Set(['SVINIT_NOFILE', 'SVINIT_TEST_FAULT']);

/** The environment services get: svinit's own, less what only svinit needed. */
function serviceEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !LAUNCHER_ONLY.has(k)) out[k] = v;
  return out;
}

const LEVEL: Record<InitOptions['verbosity'], Level> = { quiet: 'warning', normal: 'info', verbose: 'debug' };

/** Runs `svinit [options]`; resolves with the process exit code. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const stderr = fdSink(2);
  let parsed;
  try {
    parsed = parseInitArgs(argv, env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    stderr(`svinit: fatal: ${err.message}`);
    return EXIT_SETUP;
  }
  if (parsed.kind === 'help') {
    fdSink(1)(HELP.trimEnd());
    return 0;
  }
  if (parsed.kind === 'version') {
    fdSink(1)(`svinit ${version()}`);
    return 0;
  }
  const { options } = parsed;
  const log = createLogger(stderr, LEVEL[options.verbosity]);
  assertNoChildProcess();
  const orphanListeners: Array<(pid: number) => void> = [];
  const reaper = new Reaper({ log, enabled: options.reap, onOrphan: (pid) => { for (const l of orphanListeners) l(pid); } });
  const engine = options.engine === 'runit'
    ? createRunitEngine(options.dir, reaper, (l) => orphanListeners.push(l), log, serviceEnv(env))
    : createBuiltinEngine(options.dir, reaper, log, serviceEnv(env));
  // Test-only: proves the shutdown's failure path from the outside (docs/exit-codes.md).
  const faultInShutdown = env['SVINIT_TEST_FAULT'] === 'shutdown';
  return runInit({ options, log, reaper, engine, report: stderr, ...(faultInShutdown ? { faultInShutdown } : {}) });
}
