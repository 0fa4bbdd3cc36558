// Shared fixtures for the protocol tests: temp service directories with real FIFOs (coreutils
// mkfifo, as Node has none), readers held open like runsv holds them, and condition polling.
import { spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the system temp dir. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `svinit-${prefix}-`));
}

/** Removes a temp dir, ignoring errors (teardown must not mask a test failure). */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Is `path` an executable file? */
export function haveExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** mkfifo -m 600 PATH, failing the test if it fails. */
export function mkfifo(path: string): void {
  const r = spawnSync('mkfifo', ['-m', '600', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`unable to create fifo ${path}: ${r.stderr || r.error?.message}`);
}

/** The supervise/ directory runsv would create: mode 0700, FIFOs control and ok (0600). */
export function makeSuperviseDir(serviceDir: string): string {
  const sup = join(serviceDir, 'supervise');
  mkdirSync(sup, { recursive: true, mode: 0o700 });
  mkfifo(join(sup, 'control'));
  mkfifo(join(sup, 'ok'));
  return sup;
}

/** Opens a FIFO for reading without blocking and returns the fd (what runsv does for ok/control). */
export function holdReader(path: string): number {
  return openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
}

/** Closes fds, ignoring ones already closed. */
export function closeAll(fds: number[]): void {
  for (const fd of fds.splice(0)) {
    try {
      closeSync(fd);
    } catch {
      // already closed by the test
    }
  }
}

/** Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
