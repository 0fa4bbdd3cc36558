// The init's V8 settings that Node takes only at run time. The launchers pass the start-up ones
// (--lite-mode, bin/node-flags.sh); this one is set here because V8 calls it
// experimental: a V8 without it prints one "unrecognized flag" line and goes on, where the same
// flag on the command line would stop Node from starting.
import { setFlagsFromString } from 'node:v8';

/**
 * V8's memory reducer starts its first memory-reducing collection 0.5 s after the heap's first
 * sign of garbage instead of 8 s: with 100 services the start-up's heap is handed back before the
 * first second is over (docs/benchmarks.md, "memory"). Once, before the start-up allocates.
 */
export function tuneV8(): void {
  setFlagsFromString('--gc-memory-reducer-start-delay-ms=500');
}
