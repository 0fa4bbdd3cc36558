// supervise/svinit.json: what `svinit status` shows beyond runit's 20 bytes (restarts, the last
// exit status, when ./run last started, why it is failed). runit's tools ignore the file.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import type { Unit } from './unit.js';

/** The file's contents. */
export interface ExtraInfo {
  readonly restarts: number;
  readonly lastExit: string | null;
  readonly startedAt: number | null;
  /** Why the service is failed (down, want up, not restarted until sv up); null otherwise. */
  readonly failed: string | null;
}

/** The file name inside supervise/. */
export const EXTRA_FILE = 'svinit.json';

const last = new WeakMap<Unit, string>();

/** Rewrites the file (atomically) when its contents changed. */
export function writeExtra(superviseDir: string, unit: Unit, log: Logger): void {
  const info: ExtraInfo = {
    restarts: Math.max(0, unit.starts - 1),
    lastExit: unit.lastExit,
    startedAt: unit.state.runStartUs === null ? null : Math.floor(unit.state.runStartUs / 1000),
    failed: unit.state.state === 'failed' ? unit.state.failedReason : null,
  };
  const text = `${JSON.stringify(info)}\n`;
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
