// Every scenario, in the order the bench runs and prints them.
import type { Scenario } from '../types.js';
import { gracefulStop } from './graceful-stop.js';
import { logThroughput } from './log-throughput.js';
import { mainCommand } from './main-command.js';
import { memory } from './memory.js';
import { orphanStorm } from './orphan-storm.js';
import { readiness } from './readiness.js';
import { probeLatency } from './probe-latency.js';
import { startup } from './startup.js';
import { statusLatency } from './status-latency.js';
import { stopLatency } from './stop-latency.js';
import { termIgnored } from './term-ignored.js';
import { termWindow } from './term-window.js';
import { wakeups } from './wakeups.js';

/** The scenarios (ids are what --only takes). */
export const SCENARIOS: readonly Scenario[] = [
  gracefulStop('graceful-stop', 'small'),
  gracefulStop('graceful-stop-many', 'large'),
  termIgnored,
  orphanStorm,
  startup,
  memory,
  wakeups,
  statusLatency,
  stopLatency,
  termWindow,
  mainCommand,
  logThroughput,
  readiness,
  probeLatency,
];
