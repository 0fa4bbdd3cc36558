// Before any measurement: the Debian packages of the anchors (installed with apt-get when root
// and missing), a usable `unshare`, the /etc/service mount point, and a check of whether
// unshare forwards SIGTERM to the namespace's PID 1 (util-linux 2.38: it does not).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchEnv, namespaceCommand } from './namespace.js';
import { within } from './session.js';

/** What the setup found. */
export interface SetupResult {
  /** Missing tool -> the reason its anchors are skipped. */
  readonly why: Map<string, string>;
  /** Why no init can run at all (not root, namespaces refused), or null. */
  readonly nsProblem: string | null;
  /** Whether SIGTERM sent to the unshare process reached the namespace's PID 1. */
  readonly unshareForwardsTerm: boolean | null;
}

const PACKAGES: Record<string, readonly string[]> = { runit: ['runsvdir', 'runsv', 'sv'], tini: ['tini'], 'dumb-init': ['dumb-init'] };

function installed(pkg: string): boolean {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  if (r.error !== undefined) return PACKAGES[pkg]?.every((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0) ?? false;
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function aptInstall(pkgs: readonly string[], say: (line: string) => void): boolean {
  const args = ['install', '-y', '--no-install-recommends', ...pkgs];
  say(`setup: running apt-get ${args.join(' ')}`);
  if (spawnSync('apt-get', args, { stdio: 'inherit' }).status === 0) return true;
  say('setup: that failed; running apt-get update and trying once more');
  spawnSync('apt-get', ['update'], { stdio: 'inherit' });
  return spawnSync('apt-get', args, { stdio: 'inherit' }).status === 0;
}

function checkPackages(root: boolean, say: (line: string) => void): Map<string, string> {
  const why = new Map<string, string>();
  let absent = Object.keys(PACKAGES).filter((p) => !installed(p));
  if (absent.length === 0) {
    say(`setup: ${Object.keys(PACKAGES).join(', ')} already installed`);
    return why;
  }
  if (root && aptInstall(absent, say)) absent = absent.filter((p) => !installed(p));
  for (const pkg of absent) {
    const reason = root ? `unable to install ${pkg} with apt-get` : `${pkg} is not installed and installing it needs root`;
    say(`setup: ${reason}; its anchors are skipped`);
    for (const tool of PACKAGES[pkg] ?? []) why.set(tool, reason);
  }
  return why;
}

function checkNamespaces(root: boolean, empty: string): string | null {
  if (!root) return 'not root: every init runs as PID 1 of a new PID + mount namespace, which needs CAP_SYS_ADMIN';
  const [file, ...args] = namespaceCommand(empty, ['true']);
  const r = spawnSync(file as string, args, { encoding: 'utf8', env: benchEnv() });
  if (r.status !== 0) return `unable to create a PID + mount namespace: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`;
  return null;
}

/** Sends SIGTERM to the unshare process only, and sees whether PID 1's TERM trap ran. */
async function probeForwarding(empty: string): Promise<boolean> {
  const [file, ...args] = namespaceCommand(empty, ['/bin/sh', '-c', 'trap "exit 7" TERM; echo ready; while :; do sleep 0.05; done']);
  const child = spawn(file as string, args, { stdio: ['ignore', 'pipe', 'ignore'], env: benchEnv() });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await within(new Promise<void>((resolve) => child.stdout.once('data', () => resolve())), 10_000);
  child.kill('SIGTERM');
  // Absence of an effect can only be seen by waiting: PID 1's trap runs within 50 ms if it got TERM.
  const code = await within(exited, 500);
  child.kill('SIGKILL'); // --kill-child then SIGKILLs PID 1
  await exited;
  return code === 7;
}

/** Runs every check and prints what it finds and does. */
export async function setup(say: (line: string) => void): Promise<SetupResult> {
  const root = process.getuid?.() === 0;
  const why = checkPackages(root, say);
  const empty = mkdtempSync(join(tmpdir(), 'svinit-bench-probe-'));
  try {
    if (root && !existsSync('/etc/service')) {
      say('setup: creating /etc/service (the mount point for each run\'s service directory)');
      mkdirSync('/etc/service');
    }
    const nsProblem = checkNamespaces(root, empty);
    if (nsProblem !== null) {
      say(`setup: ${nsProblem}`);
      return { why, nsProblem, unshareForwardsTerm: null };
    }
    const forwards = await probeForwarding(empty);
    const version = execFileSync('unshare', ['--version'], { encoding: 'utf8' }).trim();
    say(`setup: ${version} ${forwards ? 'forwards' : 'does not forward'} SIGTERM to PID 1; the bench signals PID 1 by its host pid`);
    return { why, nsProblem: null, unshareForwardsTerm: forwards };
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
}
