// Stopping what a test started: a bounded graceful stop, then SIGKILL to the whole descendant tree
// (snapshotted before the stop, since a supervisor's children are reparented once it dies); and a
// per-file safety net that kills every tracked child still running when the file's tests end, so
// a failed start-up can neither leave an svinit behind nor keep the test process (and the run) alive.
import type { ChildProcess } from 'node:child_process';
import { after } from 'node:test';
import { killMembers, snapshotTree, type Member } from './proc.js';

const tracked = new Set<ChildProcess>();

function running(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/** SIGKILLs the tree of every tracked child that is still running (synchronous). */
function killTracked(): void {
  for (const child of tracked) {
    if (running(child)) {
      const snap = snapshotTree(child.pid as number);
      if (snap.length > 0) killMembers(snap, snap[0]);
    }
  }
  tracked.clear();
}

// Registered while this module loads, so on the file's root test: it runs once every test is done.
after(killTracked);
process.once('exit', killTracked);

/** Adds `child` to the file's safety net (see above); returns it. */
export function track<T extends ChildProcess>(child: T): T {
  tracked.add(child);
  child.once('exit', () => tracked.delete(child));
  return child;
}

/**
 * Stops `child` and everything under it: sends `signal` (unless null), waits up to `graceMs` for its
 * exit, then SIGKILLs whatever is left of its tree as it was before the signal and as it is then.
 */
export async function stopTree(child: ChildProcess, graceMs: number, signal: NodeJS.Signals | null = 'SIGTERM'): Promise<void> {
  if (!running(child)) return;
  const snap: Member[] = snapshotTree(child.pid as number);
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  if (signal !== null) child.kill(signal);
  await within(exited, graceMs);
  killMembers(snap, snap[0]); // members are matched by start time: a reused pid is left alone
  if (running(child)) child.kill('SIGKILL');
  await within(exited, 5000);
}

async function within(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((res) => { timer = setTimeout(res, ms); })]);
  clearTimeout(timer);
}
