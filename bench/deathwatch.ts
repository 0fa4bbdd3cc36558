// Drives bench/tools/deathwatch: it ptraces a namespace's PID 1 and, at the init's own exit
// stop (before the kernel kills what is left in the namespace), tells whether a given service
// was still alive. Alive there means the init left it for the kernel's SIGKILL.
import { spawn } from 'node:child_process';
import { within } from './session.js';

/** Who ended the service: the init (or a supervisor under it), the kernel, or unknown. */
export type Fate = 'killed by init' | 'left to kernel' | 'unknown';

/** A watch on one service. */
export interface DeathWatch {
  /** Resolves once the service's fate is known (after the init's exit). */
  readonly fate: Promise<Fate>;
  stop(): void;
}

/** Starts deathwatch and resolves once it is attached to every thread of the init. */
export async function watchDeath(bin: string, serviceHostPid: number, initHostPid: number): Promise<DeathWatch> {
  const child = spawn(bin, [String(serviceHostPid), String(initHostPid)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let onLine: (line: string) => void = () => undefined;
  let settle: (line: string) => void = () => undefined;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    out += chunk;
    for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
      onLine(out.slice(0, nl));
      out = out.slice(nl + 1);
    }
  });
  const armed = new Promise<boolean>((resolve) => {
    child.on('exit', () => resolve(false));
    onLine = (line) => {
      if (line.startsWith('armed')) resolve(true);
      if (line.startsWith('verdict=')) settle(line);
    };
  });
  const fate = new Promise<Fate>((resolve) => {
    settle = (line) => {
      if (line.startsWith('verdict=kernel')) resolve('left to kernel');
      else if (line.startsWith('verdict=init')) resolve('killed by init');
      else resolve('unknown');
    };
    child.on('exit', () => resolve('unknown'));
  });
  if ((await within(armed, 5_000)) !== true) {
    child.kill('SIGKILL');
    throw new Error('unable to attach deathwatch to the init');
  }
  return { fate, stop: () => child.kill('SIGKILL') };
}
