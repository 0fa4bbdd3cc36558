// From what the soak saw to its checks and figures: the ledger of every service's events, the
// samples, the clients' calls, the shutdown and svinit's own log.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientFigures, ProbeFigures, SvTool } from './clients.js';
import { account, emptyLedger, merge, type Ledger } from './ledger.js';
import type { Churn } from './load.js';
import { Checks } from './report.js';
import type { Samples } from './sampler.js';
import { percentile, slope } from './stats.js';
import type { Ended } from './svinit-process.js';
import { ORPHANS, ORPHANS_PER_BATCH, type World } from './world.js';

export interface Loaded {
  readonly tools: readonly SvTool[];
  readonly runitSkipped: string | null;
  readonly floodProblem: string | null;
  readonly floodBytes: number;
  readonly floodRunning: boolean;
  readonly hups: number;
  readonly aliveAtEnd: boolean;
  /** CPU seconds svinit used during the load. */
  readonly cpuS: number;
  readonly clients: ClientFigures;
  readonly probe: ProbeFigures;
}

export interface Outcome {
  readonly cli: { readonly short: boolean; readonly pid1: boolean; readonly loadS: number };
  readonly world: World;
  readonly orphansSkipped: string | null;
  readonly baseline: number;
  readonly loadSeconds: number;
  readonly loaded: Loaded;
  readonly settled: { readonly fds: number; readonly zombies: number };
  readonly ended: Ended;
  readonly churn: Churn;
  readonly samples: Samples;
  readonly log: string;
  readonly wallSeconds: number;
}

const SHORT_WALL_S = 180;
const MIN_ORPHANS_PER_S = 500;

function lines(file: string): number {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').length;
  } catch {
    return 0;
  }
}

/** svinit's warnings by shape (numbers and pids blanked), most frequent first. */
function warningShapes(log: string): [string, number][] {
  const counts = new Map<string, number>();
  for (const l of log.split('\n')) {
    if (!l.startsWith('svinit: warning:')) continue;
    const shape = l.replace(/\d+/g, 'N').slice(0, 140);
    counts.set(shape, (counts.get(shape) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

const ms = (v: number | null): string => (v === null ? 'n/a' : `${Math.round(v)} ms`);

/** What the checks and figures are computed from. */
interface Tally {
  readonly ledger: Ledger;
  readonly orphans: number;
  readonly orphansPerS: number;
  readonly warmupMin: number;
  readonly rssSlope: number | null;
  readonly latencies: readonly Latency[];
  readonly calls: number;
  readonly errors: readonly string[];
}

interface Latency {
  readonly tool: string;
  readonly n: number;
  readonly p50: number | null;
  readonly p99: number | null;
  readonly max: number | null;
  readonly commandP50: number | null;
  readonly commandP99: number | null;
}

function tally(o: Outcome): Tally {
  const { loaded, samples, world } = o;
  const ledger = emptyLedger();
  for (const name of world.accounted()) account(join(world.path(name), 'events'), ledger, true);
  merge(ledger, o.churn.ledger);
  const orphans = world.orphanFixture === null ? 0 : lines(join(world.path(ORPHANS), 'batches')) * ORPHANS_PER_BATCH;
  // The RSS slope leaves out the first minute (a quarter of a shorter load): heap and buffers grow to their plateau then.
  const warmupMin = Math.min(1, o.loadSeconds / 60 / 4);
  const latencies = [...loaded.probe.statusMs].map(([tool, v]) => {
    const cmd = loaded.probe.commandMs.get(tool) ?? [];
    return { tool, n: v.length, p50: percentile(v, 50), p99: percentile(v, 99), max: percentile(v, 100),
      commandP50: percentile(cmd, 50), commandP99: percentile(cmd, 99) };
  });
  return {
    ledger, orphans, orphansPerS: orphans / o.loadSeconds, warmupMin, latencies,
    rssSlope: slope(samples.rss.filter(([m]) => m >= warmupMin)),
    calls: [...loaded.clients.calls.values()].reduce((a, b) => a + b, 0),
    errors: o.log.split('\n').filter((l) => /^svinit: (error|fatal):/.test(l)),
  };
}

function runChecks(o: Outcome, t: Tally): Checks {
  const { loaded, samples } = o;
  const { ledger, latencies } = t;
  const checks = new Checks();
  const tail = o.log.split('\n').slice(-10);
  checks.expect('svinit ran through the load', loaded.aliveAtEnd, loaded.aliveAtEnd ? 'alive' : 'svinit exited during the load', tail);
  checks.expect('every ./run exit accounted once, with its code', ledger.problems.length === 0 && ledger.runs > 0,
    `${ledger.runs + ledger.killedEarly} exits: ${ledger.exited} with their code, ${ledger.selfKilled} killed themselves, ` +
    `${ledger.stopped} stopped by svinit, ${ledger.killedEarly} stopped before their first line; ${ledger.problems.length} lost or wrong`, ledger.problems);
  checks.expect('every supervise/status 20 bytes at every sample', samples.statusBad === 0 && samples.statusChecked > 0,
    `${samples.statusChecked} checked, ${samples.statusBad} bad`, samples.badExamples);
  checks.expect('no zombie', samples.lingering.length === 0 && o.settled.zombies === 0,
    `none lived through 3 samples (${samples.lingering.length} did); ${o.settled.zombies} at the end; at most ${samples.maxZombies} at one sample`, samples.lingering);
  checks.expect('descriptors back at the baseline', o.settled.fds === o.baseline,
    `baseline ${o.baseline}, end ${o.settled.fds}, at most ${Math.max(...samples.fds)} during the load`);
  checks.expect('sv restart of the unflooded service', loaded.probe.failures.length === 0 && latencies.every((l) => l.n > 0),
    latencies.map((l) => `${l.tool}: ${l.n} restarts, new pid in status p50 ${ms(l.p50)}, p99 ${ms(l.p99)}, max ${ms(l.max)}`).join('; '), loaded.probe.failures);
  checks.expect('sv clients answered (status, restart, term, once, up)', loaded.clients.failures.length === 0 && t.calls > 0,
    `${t.calls} calls, ${loaded.clients.failures.length} failed`, loaded.clients.failures);
  if (loaded.runitSkipped !== null) checks.skip("runit's sv as a peer", loaded.runitSkipped);
  checks.expect('directories added and removed', o.churn.added > 0 && o.churn.removed === o.churn.added,
    `${o.churn.added} added, ${o.churn.removed} removed and accounted`);
  const storm = `orphan storm of ${MIN_ORPHANS_PER_S}/s or more`;
  if (o.orphansSkipped !== null) checks.skip(storm, o.orphansSkipped);
  else checks.expect(storm, t.orphansPerS >= MIN_ORPHANS_PER_S, `${Math.round(t.orphansPerS)} orphans/s (${t.orphans} in all)`);
  checks.expect('control flood held to the end', loaded.floodProblem === null && loaded.floodRunning && loaded.floodBytes > 0,
    loaded.floodProblem ?? `${mb(loaded.floodBytes)} MB written${loaded.floodRunning ? '' : ', but the writer had died'}`);
  checks.expect('SIGHUP storms', loaded.hups > 0, `${loaded.hups} SIGHUPs in bursts of 20`);
  checks.expect('clean shutdown after the load', o.ended.code === 0, `exit ${o.ended.code ?? o.ended.signal} after ${ms(o.ended.ms)} (SIGTERM)`, tail);
  checks.expect('no error in svinit\'s log', t.errors.length === 0, `${t.errors.length} error lines`, t.errors);
  if (o.cli.short) {
    checks.expect(`short mode within ${SHORT_WALL_S / 60} minutes`, o.wallSeconds <= SHORT_WALL_S, `${o.wallSeconds.toFixed(0)} s wall, start-up and shutdown included`);
  }
  return checks;
}

const mb = (bytes: number): string => (bytes / 1048576).toFixed(0);

function figuresOf(o: Outcome, t: Tally): [string, string][] {
  const { loaded, samples } = o;
  const rss = samples.rss.map(([, kb]) => kb);
  const warnings = warningShapes(o.log);
  return [
    ['mode', `${o.cli.short ? 'short' : 'full'}, svinit ${o.cli.pid1 ? 'as PID 1 (PID namespace)' : 'as a subreaper'}: ` +
      `${(o.loadSeconds / 60).toFixed(1)} min of load, ${o.wallSeconds.toFixed(0)} s wall`],
    ['./run exits', `${t.ledger.runs + t.ledger.killedEarly} (${t.ledger.codes.size} distinct codes, 128+n for signals)`],
    ['orphans reaped', o.world.orphanFixture === null ? 'skipped' : `${t.orphans} (${Math.round(t.orphansPerS)}/s)`],
    ['sv client calls', [...loaded.clients.calls].sort().map(([k, n]) => `${k} ${n}`).join(', ')],
    ['sv restart, new pid in status', t.latencies.map((l) => `${l.tool} p50 ${ms(l.p50)} p99 ${ms(l.p99)}`).join('; ')],
    ['sv -w 15 restart, wall time', t.latencies.map((l) => `${l.tool} p50 ${ms(l.commandP50)} p99 ${ms(l.commandP99)}`).join('; ')],
    ['control flood', `${mb(loaded.floodBytes)} MB (${(loaded.floodBytes / 1048576 / o.loadSeconds).toFixed(1)} MB/s)`],
    ['SIGHUPs', String(loaded.hups)],
    ['directories', `${o.churn.added} added, ${o.churn.removed} removed`],
    ['status files', `${samples.statusChecked} checked, ${samples.statusBad} bad`],
    ['RSS', `${rss[0] ?? 0} kB at the start, ${rss.at(-1) ?? 0} kB at the end, max ${Math.max(...rss)} kB; ` +
      `slope ${t.rssSlope === null ? 'n/a' : t.rssSlope.toFixed(1)} kB/min after the first ${(t.warmupMin * 60).toFixed(0)} s`],
    ['svinit CPU', `${loaded.cpuS.toFixed(0)} s in ${o.loadSeconds.toFixed(0)} s of load (${Math.round((100 * loaded.cpuS) / o.loadSeconds)}% of one core)`],
    ['descriptors', `baseline ${o.baseline}, end ${o.settled.fds}`],
    ['warnings in the log', warnings.length === 0 ? 'none' : warnings.slice(0, 5).map(([w, n]) => `${n} x ${w}`).join(' | ')],
  ];
}

/** The soak's verdict: its checks, its figures, and both as JSON. */
export function judge(o: Outcome): { title: string; figures: [string, string][]; checks: Checks; json: unknown } {
  const t = tally(o);
  const checks = runChecks(o, t);
  const figures = figuresOf(o, t);
  const title = `${o.cli.short ? 'short' : 'full'} run, ${checks.failed.length === 0 ? 'passed' : 'FAILED'}`;
  const json = { figures: Object.fromEntries(figures), checks: checks.list, latencies: t.latencies, rssSlopeKbPerMin: t.rssSlope,
    rss: o.samples.rss, fds: o.samples.fds, ledger: { ...t.ledger, codes: t.ledger.codes.size } };
  return { title, figures, checks, json };
}
