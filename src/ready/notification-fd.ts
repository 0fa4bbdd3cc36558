// s6's notification-fd: ./run starts with the write end of a pipe as fd N (the fds between 3 and
// N stay closed); the first newline written there means ready, and svinit then closes its end
// (s6-supervise's rule). The read end is an ordinary stream on the event loop: nothing polls.
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { pipeCloexec } from '../native/native.js';
import type { ReadySink } from '../supervise/readiness.js';
import type { DialectWatch } from './dialect.js';

function closeQuiet(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/** The watch of one ./run with notification-fd `fd` (3..63). */
export function notificationFdWatch(fd: number, sink: ReadySink): DialectWatch {
  const [readEnd, writeEnd] = pipeCloexec();
  let writeOpen = true;
  let readOpen = true;
  let socket: Socket | null = null;
  const closeWrite = (): void => {
    if (writeOpen) closeQuiet(writeEnd);
    writeOpen = false;
  };
  const closeRead = (): void => {
    if (!readOpen) return;
    readOpen = false;
    if (socket !== null) socket.destroy();
    else closeQuiet(readEnd);
    socket = null;
  };
  return {
    extraFds: [...Array<'closed'>(fd - 3).fill('closed'), writeEnd],
    env: {},
    waitingFor: `a newline on notification-fd ${fd}`,
    started() {
      // Only ./run holds the write end now: when it (and what it passed the fd to) is gone, EOF.
      closeWrite();
      const s = new Socket({ fd: readEnd, readable: true, writable: false });
      socket = s;
      s.unref();
      s.on('data', (chunk: Buffer) => {
        // What came before the newline is of no interest; nothing is kept, however much is written.
        if (chunk.includes(0x0a)) sink.ready(`notification-fd ${fd}`);
      });
      s.on('end', () => {
        if (readOpen) sink.waiting(`./run closed notification-fd ${fd} without writing a newline`);
        closeRead();
      });
      s.on('error', () => closeRead());
    },
    settled: closeRead,
    end() {
      closeWrite();
      closeRead();
    },
  };
}
