// Reading the optional s6-style settings of a service directory: down-signal, timeout-kill,
// timeout-finish, and the restart rules (restart-delay-max, restart-reset, give-up-after,
// give-up-window). Each is read when it is needed, so an edit takes effect at the next use
// (as in s6); a malformed file is reported once per distinct problem and the default is used.
// A file that is not a regular file (a FIFO, a symlink to /dev/zero) is never read: readSmallFile.
import { join } from 'node:path';
import { parseSignal, SIG } from '../process/signals.js';
import { readSmallFile, SmallFileError } from './small-file.js';

/** The settings the supervisor needs from a service directory, with their defaults filled in. */
export interface ServiceConfig {
  /** Signal sent instead of SIGTERM to bring the service down (file `down-signal`). */
  readonly downSignal: number;
  /** ms after the down signal before SIGKILL to the process group; 0 = never (file `timeout-kill`). */
  readonly timeoutKillMs: number;
  /** ms a ./finish may run before it is killed; 0 = never (file `timeout-finish`). */
  readonly timeoutFinishMs: number;
  /** Cap of the restart delay in ms; 0 = no back-off, runit's 1 s (file `restart-delay-max`). */
  readonly restartDelayMaxMs: number;
  /** ms of uptime after which ./run's end is no failed start: the back-off restarts at 1 s (file `restart-reset`). */
  readonly restartResetMs: number;
  /** Give up after this many failed starts within giveUpWindowMs; 0 = never (file `give-up-after`). */
  readonly giveUpAfter: number;
  /** The give-up window in ms (file `give-up-window`). */
  readonly giveUpWindowMs: number;
}

/** Defaults: SIGTERM as down signal, no kill escalation, 5 s for ./finish (runit's and s6's). */
export const DEFAULT_CONFIG: ServiceConfig = {
  downSignal: SIG.TERM, timeoutKillMs: 0, timeoutFinishMs: 5000,
  restartDelayMaxMs: 0, restartResetMs: 10_000, giveUpAfter: 0, giveUpWindowMs: 60_000,
};

/** A problem found while reading a setting; the caller logs it (once per change) and goes on. */
export interface ConfigProblem {
  readonly file: string;
  readonly message: string;
}

export function readSetting(dir: string, name: string): string | null {
  return readSmallFile(join(dir, name))?.trim() ?? null;
}

/** Why a setting could not be read, with the fix: "unable to read PATH: it is a FIFO, ...; using X (...)". */
export function unreadable(dir: string, name: string, err: unknown, fallback: string, example: string): string {
  const path = join(dir, name);
  if (err instanceof SmallFileError) {
    return `unable to read ${path}: ${err.message}; using ${fallback} (make it a regular file of one line, e.g. ${example})`;
  }
  const e = err as NodeJS.ErrnoException;
  return `unable to read ${path}: ${e.code ?? e.message}; using ${fallback} (make it a readable regular file, e.g. ${example})`;
}

/** A whole number setting: milliseconds, or a count (`what` names it in the problem line). */
export function readMs(dir: string, name: string, fallback: number, problems: ConfigProblem[], what = 'milliseconds', example = '3000'): number {
  let text: string | null;
  try {
    text = readSetting(dir, name);
  } catch (err) {
    problems.push({ file: name, message: unreadable(dir, name, err, String(fallback), example) });
    return fallback;
  }
  if (text === null) return fallback;
  if (!/^\d{1,9}$/.test(text)) {
    problems.push({
      file: name,
      message: `unable to use ${join(dir, name)}: "${text.slice(0, 40)}" is not a whole number of ${what}; using ${fallback} (write e.g. ${example})`,
    });
    return fallback;
  }
  return Number(text);
}

/** The restart rules (back-off and give-up), the same for a service and its log. */
function readRestart(dir: string, problems: ConfigProblem[]): Pick<ServiceConfig, 'restartDelayMaxMs' | 'restartResetMs' | 'giveUpAfter' | 'giveUpWindowMs'> {
  const d = DEFAULT_CONFIG;
  return {
    restartDelayMaxMs: readMs(dir, 'restart-delay-max', d.restartDelayMaxMs, problems, 'milliseconds', '30000'),
    restartResetMs: readMs(dir, 'restart-reset', d.restartResetMs, problems, 'milliseconds', '10000'),
    giveUpAfter: readMs(dir, 'give-up-after', d.giveUpAfter, problems, 'failed starts', '5'),
    giveUpWindowMs: readMs(dir, 'give-up-window', d.giveUpWindowMs, problems, 'milliseconds', '60000'),
  };
}

function readSignal(dir: string, problems: ConfigProblem[]): number {
  let text: string | null;
  try {
    text = readSetting(dir, 'down-signal');
  } catch (err) {
    problems.push({ file: 'down-signal', message: unreadable(dir, 'down-signal', err, 'SIGTERM', 'SIGINT') });
    return DEFAULT_CONFIG.downSignal;
  }
  if (text === null || text === '') return DEFAULT_CONFIG.downSignal;
  try {
    return parseSignal(text);
  } catch {
    problems.push({
      file: 'down-signal',
      message: `unable to use ${join(dir, 'down-signal')}: "${text.slice(0, 40)}" is not a signal name; using SIGTERM (write e.g. SIGINT)`,
    });
    return DEFAULT_CONFIG.downSignal;
  }
}

/** Reads the settings of the service directory `dir`; never throws. */
export function readServiceConfig(dir: string, isLog: boolean): { config: ServiceConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  if (isLog) {
    // runsv runs no finish for a log service; the s6 extras apply to it all the same.
    return {
      config: {
        downSignal: readSignal(dir, problems),
        timeoutKillMs: readMs(dir, 'timeout-kill', DEFAULT_CONFIG.timeoutKillMs, problems),
        timeoutFinishMs: 0,
        ...readRestart(dir, problems),
      },
      problems,
    };
  }
  const config: ServiceConfig = {
    downSignal: readSignal(dir, problems),
    timeoutKillMs: readMs(dir, 'timeout-kill', DEFAULT_CONFIG.timeoutKillMs, problems),
    timeoutFinishMs: readMs(dir, 'timeout-finish', DEFAULT_CONFIG.timeoutFinishMs, problems),
    ...readRestart(dir, problems),
  };
  return { config, problems };
}
