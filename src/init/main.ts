// Wires the init together from parsed options: logger, guard, reaper, engine; returns the exit code.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { MainCommand } from '../command/main-command.js';
import { createLogger, fdSink, type Level, type Sink } from '../log/logger.js';
import { isatty } from 'node:tty';
import { setPdeathsig } from '../native/native.js';
import { version } from '../process/version.js';
import { catchNativeSignals } from './native-signals.js';
import { formatOwnLine, OutputRouter, OutputStream } from '../log/output.js';
import { EXIT_SETUP, EXIT_USAGE } from '../process/exit-codes.js';
import { signalsOfMask } from '../process/signals.js';
import { Reaper } from '../process/reaper.js';
import { createBuiltinEngine } from '../engine/builtin.js';
import type { Engine } from '../engine/engine.js';
import { createNoEngine } from '../engine/none.js';
import { Lifecycle } from '../lifecycle/lifecycle.js';
import { createRunitEngine } from '../engine/runit.js';
import { assertNoChildProcess } from './guard.js';
import { DEFAULT_DIR, HELP, parseInitArgs, UsageError, type InitOptions } from './options.js';
import { quietCommand, runInit } from './init.js';
import { behindFront } from './signals.js';
import { startProbes } from './probes.js';


/**
 * Variables meant for svinit alone: the launcher's records of the limit and of the signal state
 * it was started with, and the test-only fault switch.
 */
const LAUNCHER_ONLY = new Set(['SVINIT_NOFILE', 'SVINIT_SIGBLK', 'SVINIT_SIGIGN', 'SVINIT_TEST_FAULT']);

/** The environment services get: svinit's own, less what only svinit needed. */
function serviceEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !LAUNCHER_ONLY.has(k)) out[k] = v;
  return out;
}

const LEVEL: Record<InitOptions['verbosity'], Level> = { quiet: 'warning', normal: 'info', verbose: 'debug' };

/** Runs `svinit [options]`; resolves with the process exit code. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  catchNativeSignals();
  const stderr = fdSink(2);
  let parsed;
  try {
    parsed = parseInitArgs(argv, env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    stderr(`svinit: fatal: ${err.message}`);
    return EXIT_USAGE;
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
  // --log-prefix / --log-format json: svinit's own lines go out through the same writer as the
  // services' lines, so that no line is ever torn by another.
  // svinit's own lines never block it: a pipe on stderr is written without blocking (a stalled
  // reader costs dropped info lines, never a frozen init). With --log-prefix / --log-format json
  // the services' lines go out through the same writer, so that no line is ever torn by another.
  const errStream = new OutputStream(2);
  const output = options.logFormat === 'inherit' ? undefined
    : new OutputRouter(options.logFormat, new OutputStream(1), errStream);
  const own: Sink = options.logFormat === 'json' ? (line) => errStream.writeOwn(ownJson(line)) : (line) => errStream.writeOwn(line);
  const log = createLogger(own, quietCommand(options) ? 'warning' : LEVEL[options.verbosity]);
  if (output !== undefined && options.engine === 'runit') {
    log.warning(`--log-${options.logFormat === 'json' ? 'format json' : 'prefix'}: with --engine runit the services write straight to svinit's stdout and stderr (runsv's way); only svinit's own lines are formatted`);
  }
  assertNoChildProcess();
  if (options.pdeathsig !== null) setPdeathsig(options.pdeathsig);
  // svinit itself moves to / (it keeps no file system busy); CMD keeps the caller's directory.
  const cwd = process.cwd();
  const dir = resolve(options.dir);
  process.chdir('/');
  const orphanListeners: Array<(pid: number) => void> = [];
  const reaper = new Reaper({ log, enabled: options.reap, onOrphan: (pid) => { for (const l of orphanListeners) l(pid); } });
  // Beside a main command, when svinit's stdin is a terminal (its own or not), services read
  // /dev/null: they never compete with CMD for it.
  const stdin = options.command !== null && isatty(0) ? 'null' : 'inherit';
  // Engine and command are made once the start-up hooks are done, with the environment as of then.
  const services = hasServices(options);
  const makeEngine = (childEnv: Readonly<Record<string, string>>): Engine => !services ? createNoEngine()
    : options.engine === 'runit'
      ? createRunitEngine(dir, reaper, (l) => orphanListeners.push(l), log, childEnv, stdin, new Set(options.critical))
      : createBuiltinEngine(dir, reaper, log, childEnv, stdin, new Set(options.critical), output);
  const { command: spec } = options;
  const makeCommand = spec === null ? undefined : (childEnv: Readonly<Record<string, string>>): MainCommand => new MainCommand({
    spec, runner: reaper, log, env: childEnv, cwd,
    inherited: { block: signalsOfMask(env['SVINIT_SIGBLK']), ignore: signalsOfMask(env['SVINIT_SIGIGN']) },
    containerInit: process.pid === 1 || behindFront(),
  });
  const lifecycle = new Lifecycle({
    // Given relative to the caller's directory (svinit itself is in / by now).
    initDirs: options.initDirs.map((d) => resolve(cwd, d)), finishDirs: options.finishDirs.map((d) => resolve(cwd, d)),
    envDirs: options.envDirs.map((d) => resolve(cwd, d)),
    timeoutMs: options.hookTimeoutMs, onFailure: options.onHookFailure,
    baseEnv: serviceEnv(env), runner: reaper, log, write: own,
  });
  // --http: bound before anything starts, so that a port in use is a setup error.
  const observe = options.http === null ? undefined : await startProbes(options.http, reaper, log);
  if (observe === null) return EXIT_SETUP;
  // Test-only: proves the shutdown's failure path from the outside (docs/exit-codes.md).
  const faultInShutdown = env['SVINIT_TEST_FAULT'] === 'shutdown';
  return runInit({
    options, log, reaper, makeEngine, report: own, lifecycle,
    drainOutput: (ms: number) => (output === undefined ? errStream.flush(ms) : output.drain(ms)),
    ...(faultInShutdown ? { faultInShutdown } : {}),
    ...(makeCommand === undefined ? {} : { makeCommand }),
    ...(observe === undefined ? {} : { observe }),
  });
}

/**
 * One of svinit's own lines as JSON (--log-format json): "svinit: LEVEL: message" gives the level,
 * "svinit: shutdown: ..." is the report, a hook's "label | line" is the hook's; a line that is
 * already JSON (--report json) goes out as it is.
 */
function ownJson(line: string): string {
  if (line.startsWith('{')) return line;
  const m = /^svinit: (debug|info|warning|error|fatal|shutdown): (.*)$/s.exec(line);
  if (m !== null) return formatOwnLine(m[2] ?? '', m[1] === 'shutdown' ? 'report' : m[1] ?? null);
  return formatOwnLine(line, null);
}

/**
 * Whether there is a service directory to supervise: not with --no-services; in command mode a
 * default /etc/service that does not exist means none (a missing --dir or $SVDIR stays an error).
 */
function hasServices(options: InitOptions): boolean {
  if (!options.services) return false;
  if (options.command === null || options.dirGiven) return true;
  try {
    statSync(DEFAULT_DIR);
    return true;
  } catch {
    return false;
  }
}
