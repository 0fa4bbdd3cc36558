// Drives bench/tools/pidwatch: it holds a pidfd on a namespace's PID 1, sends it SIGTERM on
// request and reports both the send and PID 1's end on CLOCK_REALTIME, the clock of the
// services' $EPOCHREALTIME stamps. No Node clock is involved in either figure.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { within } from './session.js';

/** A watch on one process. */
export interface PidWatch {
  /** Sends SIGTERM; resolves with the CLOCK_REALTIME ms read just before the kill. */
  term(): Promise<number>;
  /** Resolves with the CLOCK_REALTIME ms at which the process had fully exited (null: not seen). */
  readonly exited: Promise<number | null>;
  stop(): void;
}

/** "1796158246.099606123" (seconds) as milliseconds since the epoch. */
export function secondsToMs(text: string): number {
  return Number(text) * 1000;
}

/** Starts pidwatch on a host pid and resolves once its pidfd is open. */
export async function watchPid(bin: string, hostPid: number): Promise<PidWatch> {
  const child = spawn(bin, [String(hostPid)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = new Map<string, (line: string) => void>();
  const lines = createInterface({ input: child.stdout });
  const next = (key: string): Promise<string> => new Promise((resolve) => waiting.set(key, resolve));
  const armed = next('armed');
  const exited = next('exited').then((line) => (line.startsWith('exited=') ? secondsToMs(line.slice('exited='.length)) : null));
  lines.on('line', (line) => {
    const key = line.split('=', 1)[0] ?? '';
    waiting.get(key)?.(line);
    waiting.delete(key);
    if (key === 'error') for (const settle of waiting.values()) settle(line);
    if (key === 'error') waiting.clear();
  });
  child.on('exit', () => {
    for (const settle of waiting.values()) settle('error=pidwatch ended');
  });
  if ((await within(armed, 5_000)) !== 'armed') {
    child.kill('SIGKILL');
    throw new Error(`unable to watch PID 1 (host pid ${hostPid}) with pidwatch`);
  }
  return {
    async term(): Promise<number> {
      const sent = next('sent');
      child.stdin.write('term\n');
      const line = await sent;
      if (!line.startsWith('sent=')) throw new Error(`unable to send SIGTERM with pidwatch: ${line}`);
      return secondsToMs(line.slice('sent='.length));
    },
    exited,
    stop: () => child.kill('SIGKILL'),
  };
}
