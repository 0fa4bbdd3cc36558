// The container's environment for hooks, services and the main command: svinit's own environment
// (without the launcher's variables) with the environment directories applied in order
// (/etc/container_environment, then /etc/svinit/env; a later one wins). Read again before each
// start-up hook, so that what a hook writes there is seen by every hook, service and CMD after it.
import type { Logger } from '../log/logger.js';
import { applyEnv, readEnvDir } from '../service/env-dir.js';

/** my_init's directory first, then svinit's own (which wins). */
export const DEFAULT_ENV_DIRS: readonly string[] = ['/etc/container_environment', '/etc/svinit/env'];

export class ContainerEnv {
  /** Each problem is logged once per change of its text. */
  readonly #said = new Map<string, string>();

  constructor(
    private readonly base: Readonly<Record<string, string>>,
    private readonly dirs: readonly string[],
    private readonly log: Logger,
  ) {}

  /** The environment as of now (the directories read again). */
  current(): Record<string, string> {
    let env: Record<string, string> = { ...this.base };
    for (const dir of this.dirs) {
      const { changes, problems } = readEnvDir(dir);
      for (const p of problems) {
        if (this.#said.get(p.file) === p.message) continue;
        this.#said.set(p.file, p.message);
        this.log.warning(p.message);
      }
      env = applyEnv(env, changes);
    }
    return env;
  }
}
