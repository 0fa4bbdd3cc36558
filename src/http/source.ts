// What the probes read of svinit (--http): everything comes from memory, through this interface,
// which the init fills in; the http layer knows nothing of the init or the shutdown above it.
import type { ServiceInfo } from '../protocol/status-model.js';
import type { InitPhase } from '../protocol/readiness.js';

/** The shutdown so far: how long it has run (or took) and how many it had to SIGKILL. */
export interface ShutdownProgress {
  readonly ms: number;
  readonly kills: number;
}

/** svinit as the probes see it at the moment of a request. */
export interface ProbeSource {
  /** Every service and log service now, from memory; null when the engine keeps none (runit). */
  services(): readonly ServiceInfo[] | null;
  phase(): InitPhase;
  /** The shutdown, once one started; null while svinit runs. */
  shutdown(): ShutdownProgress | null;
  /** Orphans (processes no service owns) reaped since svinit started. */
  orphansReaped(): number;
}
