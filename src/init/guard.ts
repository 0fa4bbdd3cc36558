// The start-up check behind the rule "the init never loads child_process or cluster": libuv
// reaps its own children with waitpid(pid) and would race svinit's waitpid(-1) for exit
// statuses (lost in both directions). Lint catches our imports; this catches dependencies.

/** Built-in modules whose presence means a second reaper may exist in this process. */
const FORBIDDEN = ['child_process', 'cluster', 'internal/child_process'] as const;

/** An error with code ERR_INIT_CHILD_PROCESS_LOADED naming the module that was found. */
export class ChildProcessLoadedError extends Error {
  readonly code = 'ERR_INIT_CHILD_PROCESS_LOADED';
  readonly module: string;
  constructor(module: string) {
    super(
      `unable to run as init: the built-in module '${module}' has been loaded into this process ` +
        '(libuv would steal exit statuses from the reaper); remove the import that loads it',
    );
    this.name = 'ChildProcessLoadedError';
    this.module = module;
  }
}

/**
 * Throws ChildProcessLoadedError if child_process or cluster has been loaded, by ESM import or
 * require. Node 20 records every built-in it loads in process.moduleLoadList as
 * 'NativeModule <id>' (verified for both module systems; see test/native/guard.test.ts).
 */
export function assertNoChildProcess(loaded: readonly string[] = moduleLoadList()): void {
  for (const name of FORBIDDEN) {
    if (loaded.includes(`NativeModule ${name}`)) throw new ChildProcessLoadedError(name.replace('internal/', ''));
  }
}

function moduleLoadList(): readonly string[] {
  const list = (process as { moduleLoadList?: unknown }).moduleLoadList;
  if (!Array.isArray(list)) {
    // Without the list the check cannot be made; refusing to start would be worse than the risk.
    return [];
  }
  return list as string[];
}
