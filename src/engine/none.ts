// The engine of `svinit --no-services -- CMD` (and of a command mode whose default /etc/service
// does not exist): no service directory at all, so svinit is a plain init around CMD.
import type { Engine } from './engine.js';

/** An engine that supervises nothing. */
export function createNoEngine(): Engine {
  return {
    start() {},
    rescan() {},
    stop(ctx) {
      ctx.signalled();
      return Promise.resolve();
    },
    kill() {},
    ownedPids() {
      return new Set();
    },
    onCritical() {},
    announceStop() {},
    waitReady() {
      return Promise.resolve([]);
    },
    snapshot() {
      return [];
    },
    dir: null,
    serviceCount() {
      return 0;
    },
  };
}
