// Writes a supervise/ directory's pid, stat and status files the way runsv's update_status()
// does: each through a `.new` file renamed into place, so readers never see a partial file.
// A failure is one warning, never an exception: the supervisor must keep running.
import { closeSync, constants, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { errnoOf } from './errors.js';
import type { ServiceRecord } from './status-file.js';
import { encodeStatus, pidText, statText, toSuperviseStatus } from './status-file.js';

/** Outcome of one update: ok, or the one warning line that was logged. */
export type WriteResult = { ok: true } | { ok: false; message: string; code: string };

/** One writer per supervise directory; it remembers the last pid written. */
export interface SuperviseWriter {
  readonly dir: string;
  /** Writes pid (only if changed), stat and status; logs and returns a warning on failure. */
  write(record: ServiceRecord): WriteResult;
  /** Forgets the last pid so the next write rewrites supervise/pid. */
  invalidatePid(): void;
}

// open_trunc() in runit: O_WRONLY|O_NDELAY|O_TRUNC|O_CREAT, 0644 (the umask still applies).
const TRUNC_FLAGS = constants.O_WRONLY | constants.O_NONBLOCK | constants.O_TRUNC | constants.O_CREAT;
const FILE_MODE = 0o644;

class StepError extends Error {
  constructor(readonly step: string, readonly code: string, readonly reason: string) {
    super(`unable to ${step}: ${reason}`);
  }
}

function fail(step: string, err: unknown): StepError {
  const info = errnoOf(err, step);
  if (info === undefined) return new StepError(step, 'ERR_PROTOCOL_WRITE', String(err));
  return new StepError(step, info.code, info.code);
}

/** Writes `data` to `final`.new and renames it over `final`; a failed .new is unlinked. */
function replaceFile(final: string, data: Buffer): void {
  const tmp = `${final}.new`;
  let fd: number;
  try {
    fd = openSync(tmp, TRUNC_FLAGS, FILE_MODE);
  } catch (err) {
    throw fail(`open ${tmp}`, err);
  }
  try {
    const n = data.length === 0 ? 0 : writeSync(fd, data, 0, data.length);
    if (n !== data.length) throw new StepError(`write ${tmp}`, 'ERR_PROTOCOL_SHORT_WRITE', `short write (${n} of ${data.length} bytes)`);
  } catch (err) {
    closeQuietly(fd);
    unlinkQuietly(tmp);
    throw err instanceof StepError ? err : fail(`write ${tmp}`, err);
  }
  closeQuietly(fd);
  try {
    renameSync(tmp, final);
  } catch (err) {
    unlinkQuietly(tmp);
    throw fail(`rename ${tmp} to ${final}`, err);
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Nothing useful to do: the data is already written or the update is abandoned.
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone, or the directory itself is unusable; the warning already says why.
  }
}

/** Creates the writer for `superviseDir` (the supervise/ directory itself, which must exist). */
export function createSuperviseWriter(superviseDir: string, logger: Logger): SuperviseWriter {
  let lastPid: number | undefined;
  return {
    dir: superviseDir,
    write(record) {
      try {
        // Same order as runsv: pid, stat, status. A failure skips the rest of the update.
        if (record.pid !== lastPid) {
          replaceFile(join(superviseDir, 'pid'), Buffer.from(pidText(record.pid)));
          lastPid = record.pid;
        }
        replaceFile(join(superviseDir, 'stat'), Buffer.from(statText(record)));
        replaceFile(join(superviseDir, 'status'), encodeStatus(toSuperviseStatus(record)));
        return { ok: true };
      } catch (err) {
        // Even a record the encoder rejects (a bug) must not take the supervisor down.
        const e = err instanceof StepError ? err : new StepError(`update ${superviseDir}`, 'ERR_PROTOCOL_WRITE', String(err instanceof Error ? err.message : err));
        logger.warning(e.message);
        return { ok: false, message: e.message, code: e.code };
      }
    },
    invalidatePid() {
      lastPid = undefined;
    },
  };
}
