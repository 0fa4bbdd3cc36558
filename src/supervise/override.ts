// Running a control/<c> override script. runsv runs these synchronously with no time limit, so a
// hanging script freezes all of its supervision; svinit runs them asynchronously, one at a time
// per service, and SIGKILLs one that overruns OVERRIDE_TIMEOUT_MS, or the time left in the grace
// while svinit stops (counted as "not handled").
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import type { SpawnOptions } from '../process/spawn.js';
import type { Credentials } from '../service/user.js';
import { killpg } from '../native/native.js';
import { SIG } from '../process/signals.js';

/** How long a control/<c> script may run before it is killed. */
export const OVERRIDE_TIMEOUT_MS = 5000;

/** Starts a child and reports its raw wait status exactly once (the reaper). */
export interface ChildRunner {
  spawn(opts: SpawnOptions, onExit: (status: number) => void): number;
}

/** What an override needs from its service: where it runs and where its stdout goes. */
export interface OverrideContext {
  readonly name: string;
  readonly dir: string;
  readonly env: Readonly<Record<string, string>>;
  /** Whom the script runs as (the service's `user`); null = svinit's own user. */
  readonly creds: Credentials | null;
  /** svinit's fd for the script's stdout: the log pipe's write end, or null to inherit. */
  readonly stdout: number | null;
  readonly runner: ChildRunner;
  readonly log: Logger;
  /** How long the script may run before it is killed: OVERRIDE_TIMEOUT_MS, or less while stopping. */
  readonly limitMs: number;
  /** Told the script's pid once it runs (so that a deadline can kill it). */
  readonly onSpawn?: (pid: number) => void;
}

/** Runs control/<c>; resolves true when it exited 0 ("handled"), false otherwise. */
export function runOverride(ctx: OverrideContext, c: string): Promise<boolean> {
  const file = join('control', c);
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | null = null;
    let pid: number;
    try {
      pid = ctx.runner.spawn(
        {
          file: `./${file}`,
          argv: [file],
          env: ctx.env,
          cwd: ctx.dir,
          stdio: ['inherit', ctx.stdout ?? 'inherit', 'inherit'],
          session: true,
          ...(ctx.creds ?? {}),
        },
        (status) => {
          if (timer !== null) clearTimeout(timer);
          resolve(status === 0);
        },
      );
    } catch (err) {
      ctx.log.warning(`${ctx.name}: unable to run ${file}: ${(err as Error).message}`);
      resolve(false);
      return;
    }
    ctx.onSpawn?.(pid);
    const limit = Math.max(0, Math.round(ctx.limitMs));
    timer = setTimeout(() => {
      timer = null;
      const why = limit < OVERRIDE_TIMEOUT_MS ? ', the time left in the grace' : '';
      ctx.log.warning(`${ctx.name}: ${file} ran longer than ${limit} ms${why}; killing it`);
      killpg(pid, SIG.KILL);
    }, limit);
  });
}
