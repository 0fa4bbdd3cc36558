// Signals collected over many units and sent in one native call: a shutdown's fan-out. On 2 cores a
// JS loop of kill() calls is preempted by each service it wakes; one C loop is not held up by JS
// between the calls, so every service has its signal within microseconds of the first.
import { killMany, type SignalOrder } from '../native/native.js';
import { SIG } from './signals.js';

/** Signals to send together; add() in any order, send() once. */
export class SignalBatch {
  readonly #orders: SignalOrder[] = [];

  /** Queues `sig` for `pid` (its process group when `group`). */
  add(pid: number, sig: number, group: boolean): void {
    this.#orders.push({ pid, sig, group });
  }

  get size(): number {
    return this.#orders.length;
  }

  /**
   * Sends everything queued in one call and empties the batch. Every other signal goes before
   * any SIGCONT (each in the order added): a stopped service then wakes with its down signal
   * already pending, and no service waits behind another's CONT for its own down signal. Returns
   * how many were delivered (a gone process is not an error); a failure other than ESRCH is
   * thrown once all of them were sent.
   */
  send(): number {
    const orders = [...this.#orders.filter((o) => o.sig !== SIG.CONT), ...this.#orders.filter((o) => o.sig === SIG.CONT)];
    this.#orders.length = 0;
    if (orders.length === 0) return 0;
    return killMany(orders).filter(Boolean).length;
  }
}
