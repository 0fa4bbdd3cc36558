// A handle that keeps Node's event loop alive without ever waking it: the read end of a pipe
// whose write end svinit holds and never writes, wrapped in a net.Socket. Signal listeners alone
// do not keep Node alive (libuv's signal handles are unref'd), and a timer would wake the process
// periodically; ref'd or not, this handle never makes the loop run.
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { pipeCloexec } from '../native/native.js';

/** A loop hold: ref'd (keeps the process alive) when opened. */
export interface Hold {
  /** Keeps the process alive until unref() or release(). */
  ref(): void;
  /** Lets the process end as if the hold were not there. */
  unref(): void;
  /** Closes both ends of the pipe; the hold is gone for good. */
  release(): void;
}

/** Opens a hold, ref'd. */
export function openHold(): Hold {
  const [readFd, writeFd] = pipeCloexec();
  const socket = new Socket({ fd: readFd, readable: true, writable: false });
  socket.on('error', () => undefined);
  return {
    ref: () => void socket.ref(),
    unref: () => void socket.unref(),
    release: () => {
      socket.destroy();
      try {
        closeSync(writeFd);
      } catch {
        // already closed
      }
    },
  };
}

/** Holds an idle init's loop open until the returned function is called. */
export function keepAlive(): () => void {
  const hold = openHold();
  return () => hold.release();
}
