// The soak's service tree: crash loops with their own exit codes, an orphan storm, a flooded
// service, a probed one, a service with a log, and a store of directories that are linked into
// the service directory and out again. Every ./run and ./finish writes ./events (ledger.ts).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const START = 'echo "start $$" >> events';
const FINISH = '#!/bin/sh\necho "finish $1 $2" >> events\n';

/**
 * A crash loop: runs 0.1-0.8 s (`long`: 1.1-1.8 s), then (TERM ignored from here, so the record is the truth) one run
 * in five kills itself with KILL, USR1, USR2 or ALRM, the others exit with a code of their own
 * from the pid and `k`, so each service and each run has its own.
 */
export function crashRun(k: number, long: boolean, say = ''): string {
  return `#!/bin/sh
${START}
${say}sleep ${long ? 1 : 0}.$(( $$ % 8 + 1 ))
trap '' TERM HUP INT
if [ $(( $$ % 5 )) = 0 ]; then
  set -- 9 10 12 14
  shift $(( $$ / 5 % 4 ))
  echo "kill $$ $1" >> events
  kill -$1 $$
fi
code=$(( ($$ * ${2 * k + 1} + ${k}) % 256 ))
echo "exit $$ $code" >> events
exit $code
`;
}

/** A service that runs until stopped; `ignore` lists signals it ignores (they survive the exec). */
function holdRun(ignore: string): string {
  return `#!/bin/sh\n${ignore === '' ? '' : `trap '' ${ignore}\n`}${START}\nexec sleep 100000\n`;
}

/** `N` chains `DEPTH` deep per batch, (DEPTH-1) orphans each: 600 orphans a batch, a pause. */
export const ORPHAN_CHAINS = 150;
export const ORPHAN_DEPTH = 5;
export const ORPHANS_PER_BATCH = ORPHAN_CHAINS * (ORPHAN_DEPTH - 1);

function orphanRun(fixture: string): string {
  return `#!/bin/sh
${START}
while :; do
  '${fixture}' orphans ${ORPHAN_CHAINS} ${ORPHAN_DEPTH} >/dev/null && echo x >> batches
  sleep 0.2
done
`;
}

/** A log service: reads until EOF. It has no ./finish: runsv never runs one for a log. */
const LOG_RUN = `#!/bin/sh
${START}
exec cat > /dev/null
`;

export const CRASH_SERVICES = ['crash-1', 'crash-2', 'crash-3', 'crash-4'];
/**
 * The crash loops that get `sv restart`, and only that of the waiting verbs: they live over a
 * second, so that sv (which looks every 420 ms) sees them up, and no client sends them `once`
 * (which makes a waiting restart time out, with runsv as with svinit).
 */
export const RESTARTED = ['crash-1', 'crash-2'];
export const LOGGED = 'logged';
export const PROBE = 'probe';
export const FLOOD = 'flood';
export const ORPHANS = 'orphans';

/** One soak tree on disk. */
export class World {
  readonly root: string;
  /** The service directory svinit supervises. */
  readonly dir: string;
  /** Where the directories that come and go live (linked into `dir`, so their files outlive the link). */
  readonly store: string;
  private dynCount = 0;

  constructor(readonly orphanFixture: string | null) {
    this.root = mkdtempSync(join(tmpdir(), 'svinit-soak-'));
    this.dir = join(this.root, 'service');
    this.store = join(this.root, 'store');
    mkdirSync(this.dir);
    mkdirSync(this.store);
    CRASH_SERVICES.forEach((name, i) => this.service(this.dir, name, crashRun(i + 1, RESTARTED.includes(name))));
    this.service(this.dir, LOGGED, crashRun(CRASH_SERVICES.length + 1, false, 'echo "line from $$"\n'));
    this.service(join(this.dir, LOGGED), 'log', LOG_RUN, false);
    this.service(this.dir, PROBE, holdRun(''));
    this.service(this.dir, FLOOD, holdRun('ALRM HUP'));
    if (orphanFixture !== null) this.service(this.dir, ORPHANS, orphanRun(orphanFixture));
  }

  /** The services that stay for the whole soak, log services as NAME/log. */
  stable(): string[] {
    const names = [...CRASH_SERVICES, LOGGED, `${LOGGED}/log`, PROBE, FLOOD];
    return this.orphanFixture === null ? names : [...names, ORPHANS];
  }

  /** The services whose ./run exits ./finish accounts for: all but the log (runsv never runs log/finish). */
  accounted(): string[] {
    return this.stable().filter((n) => !n.endsWith('/log'));
  }

  /** Directory of service `name` ("a" or "a/log") in the service directory. */
  path(name: string): string {
    return join(this.dir, name);
  }

  /** Makes a new crash-loop directory in the store and links it in; returns its name. */
  addDynamic(): string {
    const name = `dyn-${++this.dynCount}`;
    this.service(this.store, name, crashRun(10 + (this.dynCount % 50), false));
    symlinkSync(join(this.store, name), join(this.dir, name));
    return name;
  }

  /** Unlinks `name` from the service directory (svinit then stops it; its files stay in the store). */
  unlinkDynamic(name: string): void {
    unlinkSync(join(this.dir, name));
  }

  /** The store's copy of a dynamic service. */
  storePath(name: string): string {
    return join(this.store, name);
  }

  removeStored(name: string): void {
    rmSync(join(this.store, name), { recursive: true, force: true });
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  private service(parent: string, name: string, run: string, finish = true): void {
    const d = join(parent, name);
    mkdirSync(d);
    for (const [file, text] of finish ? [['run', run], ['finish', FINISH]] as const : [['run', run]] as const) {
      writeFileSync(join(d, file), text);
      chmodSync(join(d, file), 0o755);
    }
  }
}
