// A handle that keeps an idle init's event loop alive without ever waking it: the read end of
// a pipe whose write end svinit holds and never writes. Signal listeners alone do not keep Node
// alive (libuv's signal handles are unref'd), and a timer would wake the process periodically.
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { pipeCloexec } from '../native/native.js';

/** Holds the loop open until the returned function is called. */
export function keepAlive(): () => void {
  const [readFd, writeFd] = pipeCloexec();
  const socket = new Socket({ fd: readFd, readable: true, writable: false });
  socket.on('error', () => undefined);
  return () => {
    socket.destroy();
    try {
      closeSync(writeFd);
    } catch {
      // already closed
    }
  };
}
