// The signals Node cannot listen to, caught by the addon (native/catch.c): each one's number
// arrives as a byte on a pipe read by the event loop, and goes to the same handler as Node's.
import { Socket } from 'node:net';
import { catchSignals, pipeCloexec, setNonblocking } from '../native/native.js';
import { SIG, SIGRTMAX, SIGRTMIN } from '../process/signals.js';
import { deliverSignal, tellFront } from './signals.js';

/**
 * Caught in C: SIGPIPE (one that svinit's own write raised is never delivered), SIGILL, SIGBUS,
 * SIGFPE and SIGSEGV (delivered only when another process sent them; a genuine fault crashes as
 * before), and every real-time signal, SIGRTMIN to SIGRTMAX.
 */
export const NATIVE_SIGNALS: readonly number[] = [
  SIG.ILL, SIG.BUS, SIG.FPE, SIG.SEGV, SIG.PIPE,
  ...Array.from({ length: SIGRTMAX - SIGRTMIN + 1 }, (_, i) => SIGRTMIN + i),
];

let caught = false;

/**
 * Installs the native handlers (once per process), then tells the C front, if svinit runs behind
 * one, which signals it now handles. Until the init calls `handleSignals`, they queue with Node's.
 */
export function catchNativeSignals(): void {
  if (caught) return;
  caught = true;
  const [readFd, writeFd] = pipeCloexec();
  setNonblocking(writeFd, true);
  catchSignals(writeFd, NATIVE_SIGNALS);
  const stream = new Socket({ fd: readFd, readable: true, writable: false });
  stream.on('data', (bytes: Buffer) => {
    for (const num of bytes) deliverSignal(num);
  });
  stream.unref(); // the pipe never keeps svinit alive
  tellFront(NATIVE_SIGNALS);
}
