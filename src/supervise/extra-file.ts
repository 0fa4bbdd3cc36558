// supervise/svinit.json: what `svinit status` shows beyond runit's 20 bytes (restarts, the last
// exit status, when ./run last started, why it is failed). runit's tools ignore the file.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { EXTRA_FILE, type SvinitJson } from '../protocol/svinit-json.js';
import { decodeStatus } from '../process/exit-status.js';
import type { Unit } from './unit.js';

/** The file's contents. */
export type ExtraInfo = SvinitJson;

const last = new WeakMap<Unit, string>();

/** What svinit.json holds for `unit` now; the one source of the file and of every in-memory reader (--http). */
export function extraInfo(unit: Unit): ExtraInfo {
  const exit = unit.lastStatus === null ? null : decodeStatus(unit.lastStatus);
  const r = unit.readyFacts;
  return {
    restarts: Math.max(0, unit.starts - 1),
    lastExit: unit.lastExit,
    startedAt: unit.state.runStartUs === null ? null : Math.floor(unit.state.runStartUs / 1000),
    failed: unit.state.state === 'failed' ? unit.state.failedReason : null,
    lastExitCode: exit !== null && exit.kind === 'exited' ? exit.code : null,
    lastExitSignal: exit !== null && exit.kind === 'signaled' ? exit.signal : null,
    spawnError: unit.state.lastSpawnError.run,
    recentStarts: unit.recentStarts,
    finishTimedOutAt: unit.finishTimedOutAt,
    problems: unit.settingProblems,
    ready: r.ready,
    readySince: r.readySince,
    notReadyReason: r.notReadyReason,
    notifyStatus: r.notifyStatus,
    stopping: r.stopping,
  };
}

/** Rewrites the file (atomically) when its contents changed. */
export function writeExtra(superviseDir: string, unit: Unit, log: Logger): void {
  const text = `${JSON.stringify(extraInfo(unit))}\n`;
  if (last.get(unit) === text) return;
  last.set(unit, text);
  const path = join(superviseDir, EXTRA_FILE);
  try {
    writeFileSync(`${path}.new`, text, { mode: 0o644 });
    renameSync(`${path}.new`, path);
  } catch (err) {
    log.debug(`unable to write ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}
