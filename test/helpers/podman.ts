// Containers under Debian's podman, for the tests that prove svinit under a real engine: a Debian
// root filesystem made once with debootstrap (--variant=minbase, cached under /var/cache), run as
// `podman run --rootfs DIR:O` (an overlay, so the cache stays clean) with this machine's Node and
// an installed svinit package bind-mounted in. The settings are the ones that work on this kind of
// machine (runc, cgroupfs, a file events log, no network, ulimits within the hard limits).
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before } from 'node:test';
import { installTarball, pack, prebuild, type Installed } from './packed.js';

/**
 * The cached root filesystem (debootstrap bookworm, minbase, and curl: podman kube's httpGet
 * probes run curl inside the container).
 */
export const ROOTFS = process.env.SVINIT_TEST_ROOTFS ?? '/var/cache/svinit-test/rootfs-bookworm-minbase-curl';
const MIRROR = process.env.SVINIT_TEST_MIRROR ?? 'http://deb.debian.org/debian';

/** Global options for every podman call (the engine must be the same for run, stop and inspect). */
export const PODMAN_GLOBAL = ['--runtime', 'runc', '--cgroup-manager=cgroupfs', '--events-backend=file'];
/** Options of every `podman run` here. */
export const RUN_SETTINGS = ['--network', 'none', '--ulimit', 'nofile=1024:20000', '--ulimit', 'nproc=4096:4096'];

let names = 0;

/** A container name unique to this test process. */
export function containerName(what: string): string {
  names += 1;
  return `svinit-test-${process.pid}-${names}-${what}`;
}

/** Runs podman with the global options; returns what it printed and its status. */
export function podman(args: readonly string[], timeoutMs = 120_000, env?: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return spawnSync('podman', [...PODMAN_GLOBAL, ...args], { encoding: 'utf8', timeout: timeoutMs, env: env ?? process.env });
}

/** Like podman(), but throws with podman's own words when it fails. */
export function podmanOk(args: readonly string[], timeoutMs = 120_000, env?: NodeJS.ProcessEnv): string {
  const r = podman(args, timeoutMs, env);
  if (r.status !== 0) throw new Error(`podman ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Makes the root filesystem if the cache has none (about 30 s and 200 MB from Debian's mirror). */
function ensureRootfs(): void {
  if (existsSync(`${ROOTFS}/bin/sh`)) return;
  const tmp = `${ROOTFS}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  execFileSync('debootstrap', ['--variant=minbase', '--include=curl', 'bookworm', tmp, MIRROR], { stdio: ['ignore', 'ignore', 'inherit'] });
  renameSync(tmp, ROOTFS);
}

/** Why containers cannot run here (printed), or false once a trivial container has run. */
export const PODMAN_SKIP: string | false = (() => {
  const why = ((): string | false => {
    if (process.getuid?.() !== 0) return 'not root (podman runs rootful here)';
    for (const tool of ['podman', 'runc', 'debootstrap']) {
      if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} not installed (apt-get install podman runc debootstrap)`;
    }
    try {
      ensureRootfs();
    } catch (err) {
      return `unable to debootstrap ${ROOTFS}: ${(err as Error).message.split('\n')[0] ?? ''}`;
    }
    const r = podman(['run', '--rm', ...RUN_SETTINGS, '--rootfs', `${ROOTFS}:O`, '/bin/true'], 60_000);
    if (r.status !== 0) return `podman cannot run a container here: ${r.stderr.trim().split('\n').pop() ?? r.error?.message}`;
    return false;
  })();
  if (why !== false) console.log(`# ${why}; container tests skipped`);
  return why;
})();

/** One detached container, removed by remove(). */
export class Container {
  constructor(readonly name: string) {}

  /** Starts `podman run -d` with RUN_SETTINGS, `opts` (mounts, health options) and the command. */
  static start(what: string, opts: readonly string[], command: readonly string[]): Container {
    const c = new Container(containerName(what));
    podmanOk(['run', '-d', '--name', c.name, ...RUN_SETTINGS, ...opts, '--rootfs', `${ROOTFS}:O`, ...command]);
    return c;
  }

  /** `podman stop` (its default timeout unless given); resolves with the wall time in ms. */
  stop(timeoutS?: number): number {
    const t0 = performance.now();
    podmanOk(['stop', ...(timeoutS === undefined ? [] : ['-t', String(timeoutS)]), this.name], 60_000);
    return performance.now() - t0;
  }

  /** The exit code podman recorded. */
  exitCode(): number {
    return Number(podmanOk(['inspect', '-f', '{{.State.ExitCode}}', this.name]).trim());
  }

  /** stdout and stderr of the container, as `podman logs` shows them. */
  logs(): string {
    const r = podman(['logs', this.name]);
    return `${r.stdout}${r.stderr}`;
  }

  remove(): void {
    podman(['rm', '-f', '-t', '0', this.name]);
  }
}

/** The bind mounts that put this machine's Node and an installed package into a container. */
export function nodeAndApp(appDir: string): string[] {
  // node_version.h where official images have it, so the launcher picks Node 20's V8 flags.
  const header = existsSync(NODE_HEADER) ? ['-v', `${NODE_HEADER}:/usr/local/include/node/node_version.h:ro`] : [];
  return ['-v', `${process.execPath}:/usr/local/bin/node:ro`, ...header, '-v', `${appDir}:/opt/app:ro`];
}

/** This Node's node_version.h (beside it: bin/../include/node/). */
export const NODE_HEADER = join(dirname(process.execPath), '..', 'include', 'node', 'node_version.h');

/** svinit's launcher inside the container (npm's bin link, as a user would call it). */
export const SVINIT_IN = '/opt/app/node_modules/.bin/svinit';

/** The root filesystem as a local image (imported once; `podman kube play` runs images only). */
export const ROOTFS_IMAGE = 'localhost/svinit-test/rootfs:bookworm-curl';

export function ensureRootfsImage(): void {
  if (podman(['image', 'exists', ROOTFS_IMAGE]).status === 0) return;
  execFileSync('sh', ['-c', `tar -C "$1" -c . | podman ${PODMAN_GLOBAL.join(' ')} import - "$2"`, 'sh', ROOTFS, ROOTFS_IMAGE], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * For a test file that runs containers: builds the prebuilds, packs and installs the package once
 * (before its tests, unless `skip`), and removes every container started through it afterwards.
 */
export function containerSuite(skip: string | false): { app: () => Installed; start: typeof Container.start } {
  let app: Installed | undefined;
  const started: Container[] = [];
  before(() => {
    if (skip !== false) return;
    prebuild();
    app = installTarball(pack().tarball);
  });
  after(() => {
    for (const c of started) c.remove();
  });
  return {
    app: () => app ?? ((): never => { throw new Error('the package was not installed (skipped?)'); })(),
    start: (what, opts, command) => {
      const c = Container.start(what, opts, command);
      started.push(c);
      return c;
    },
  };
}
