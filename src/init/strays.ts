// The last step of a shutdown: processes that belong to no service (orphans, double-forked
// daemons) get SIGTERM, then SIGKILL at the deadline. As PID 1 that is kill(-1), which reaches
// every process in the container but svinit. As a subreaper svinit never signals anything but its
// own children (kill(-1) there would hit the whole host): adopted orphans show up as children.
import { kill } from '../native/native.js';
import { countOthers, listChildren } from '../process/children.js';

/** Sends `sig` to every stray: all processes (PID 1) or svinit's children (subreaper); returns how many. */
export function signalStrays(
  isPid1: boolean, sig: number, except: ReadonlySet<number> = new Set(), record?: Set<number>,
): number {
  if (isPid1) {
    const n = countOthers();
    if (n > 0) kill(-1, sig);
    return n;
  }
  let n = 0;
  for (const pid of listChildren()) {
    if (except.has(pid)) continue;
    if (kill(pid, sig)) {
      n++;
      record?.add(pid);
    }
  }
  return n;
}
