// svinit's soak (`npm run soak`, issue 9): crash loops, an orphan storm, concurrent sv clients,
// directories coming and going, a control flood and SIGHUP storms, all at once against one
// svinit; then every ./run exit accounted, zombies, descriptors, RSS, status files and the
// latency of sv restart checked. Exits 1 if any check fails (docs/reliability.md, "Soak").
//   node dist/test/soak/run.js [--short | --minutes N] [--pid1] [--json FILE] [--keep]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sendControl } from '../../src/protocol/client.js';
import { procFixture } from '../helpers/fixtures.js';
import { cpuSeconds } from '../helpers/proc.js';
import { runClients, runProbe, svTools, type ClientFigures, type ProbeFigures } from './clients.js';
import { Churn, Flood, HupStorm } from './load.js';
import { judge, type Outcome } from './judge.js';
import { renderSummary } from './report.js';
import { Sampler } from './sampler.js';
import { pid1Problem, SvinitProcess } from './svinit-process.js';
import { CRASH_SERVICES, FLOOD, LOGGED, ORPHANS, PROBE, RESTARTED, World } from './world.js';

const USAGE = 'usage: node dist/test/soak/run.js [--short | --minutes N] [--pid1] [--json FILE] [--keep]';
/** The short mode's load: with start-up, settling and shutdown, the run fits CI's 3 minutes. */
const SHORT_LOAD_S = 90;
const FULL_LOAD_S = 30 * 60;

interface Cli {
  readonly loadS: number;
  readonly short: boolean;
  /** svinit as PID 1 of a new PID namespace (root only), not as a subreaper. */
  readonly pid1: boolean;
  readonly json: string | null;
  readonly keep: boolean;
}

function parseArgs(argv: readonly string[]): Cli {
  let loadS = FULL_LOAD_S;
  let short = false;
  let json: string | null = null;
  let keep = false;
  let pid1 = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--short') [short, loadS] = [true, SHORT_LOAD_S];
    else if (arg === '--keep') keep = true;
    else if (arg === '--pid1') pid1 = true;
    else if (arg === '--minutes' || arg === '--json') {
      const v = argv[++i];
      if (v === undefined) throw new Error(`unable to use ${arg}: it needs a value\n${USAGE}`);
      if (arg === '--json') json = v;
      else if (!(Number(v) > 0)) throw new Error(`unable to use --minutes ${v}: give a number of minutes above 0\n${USAGE}`);
      else loadS = Number(v) * 60;
    } else throw new Error(`unable to use argument "${arg}"\n${USAGE}`);
  }
  return { loadS, short, pid1, json, keep };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function fixtureOrReason(): { fixture: string | null; why: string | null } {
  try {
    return { fixture: procFixture(), why: null };
  } catch (err) {
    return { fixture: null, why: `unable to build test/fixtures/proc-fixture.c with cc: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** Runs the load for `loadS` seconds; returns what the loads measured. */
async function load(world: World, sv: SvinitProcess, sampler: Sampler, churn: Churn, loadS: number) {
  const { tools, skipped: runitSkipped } = svTools();
  const flood = new Flood();
  const floodProblem = flood.start(world.path(FLOOD));
  const hups = new HupStorm();
  hups.start(sv.signalPid, 20, 3000);
  sampler.start(1000);
  const cpu0 = cpuSeconds(sv.pid);
  const end = Date.now() + loadS * 1000;
  const running = (): boolean => Date.now() < end && sv.alive;
  const term = [...CRASH_SERVICES, LOGGED];
  const targets = { restart: RESTARTED, once: [...term.filter((n) => !RESTARTED.includes(n))], term,
    status: [...term, FLOOD, PROBE, `${LOGGED}/log`] };
  const clients: Promise<ClientFigures> = runClients(tools, world.dir, targets, 3, running);
  const probe: Promise<ProbeFigures> = runProbe(tools, world.dir, PROBE, running);
  let lastReport = Date.now();
  while (running()) {
    churn.tick();
    await sleep(2000);
    if (Date.now() - lastReport >= 60_000) {
      lastReport = Date.now();
      const rss = sampler.samples.rss.at(-1)?.[1] ?? 0;
      console.log(`soak: ${Math.round((loadS * 1000 - (end - Date.now())) / 60_000)} min: RSS ${rss} kB, fds ${sampler.samples.fds.at(-1)}, ` +
        `${churn.added} directories added, ${sampler.samples.statusChecked} status files checked`);
    }
  }
  const aliveAtEnd = sv.alive;
  const cpuS = cpuSeconds(sv.pid) - cpu0;
  const floodRunning = flood.running;
  const floodFailure = flood.failure;
  const floodBytes = flood.stop();
  hups.stop();
  return { tools, runitSkipped, floodProblem: floodProblem ?? floodFailure, floodBytes, floodRunning, hups: hups.sent, aliveAtEnd, cpuS,
    clients: await clients, probe: await probe };
}

/** After the load: every unlinked directory accounted, then descriptors and zombies settle. */
async function settle(world: World, sv: SvinitProcess, sampler: Sampler, churn: Churn, baseline: number) {
  churn.unlinkAll();
  if (world.orphanFixture !== null) sendControl(world.path(ORPHANS), 'd'); // the storm ends, so a zombie left is one not reaped
  const end = Date.now() + 30_000;
  while (churn.pending > 0 && Date.now() < end) {
    await sleep(200);
    churn.collect();
  }
  let fds = -1;
  let zombies = -1;
  const until = Date.now() + 20_000;
  do {
    sampler.sample();
    fds = sampler.samples.fds.at(-1) ?? -1;
    zombies = sampler.lastZombies;
    if (fds === baseline && zombies === 0) break;
    await sleep(250);
  } while (Date.now() < until && sv.alive);
  sampler.stop();
  return { fds, zombies };
}

async function main(): Promise<number> {
  const cli = parseArgs(process.argv.slice(2));
  const problem = cli.pid1 ? pid1Problem() : null;
  if (problem !== null) {
    // As the tests skip what cannot run here: said, with the reason, never a silent pass.
    console.log(`soak: skip: unable to run svinit as PID 1: ${problem}`);
    return 0;
  }
  const t0 = Date.now();
  const { fixture, why: orphansSkipped } = fixtureOrReason();
  const world = new World(fixture);
  const sv = new SvinitProcess(world.dir, join(world.root, 'svinit.log'), cli.pid1);
  try {
    await sv.supervising(world.stable().map((n) => world.path(n)), 30_000);
    console.log(`soak: ${cli.short ? 'short mode, ' : ''}${cli.loadS / 60} min of load on svinit (pid ${sv.pid}` +
      `${cli.pid1 ? `, under the front, PID 1 of a new PID namespace as host pid ${sv.signalPid}` : ', a subreaper'}) over ${world.dir}`);
    await sleep(2000); // the first starts and finishes done, Node's lazy descriptors opened
    const sampler = new Sampler(sv.pid, sv.reapers, world.dir, Date.now());
    sampler.sample();
    const baseline = sampler.samples.fds[0] ?? -1;
    const churn = new Churn(world, 3, 20_000, cli.keep);
    const loadStart = Date.now();
    const loaded = await load(world, sv, sampler, churn, cli.loadS);
    const loadSeconds = (Date.now() - loadStart) / 1000;
    const settled = await settle(world, sv, sampler, churn, baseline);
    const ended = await sv.stop(30_000);
    const outcome: Outcome = { cli, world, orphansSkipped, baseline, loadSeconds, loaded, settled, ended, churn,
      samples: sampler.samples, log: sv.log(), wallSeconds: (Date.now() - t0) / 1000 };
    const { title, figures, checks, json } = judge(outcome);
    console.log(renderSummary(title, figures, checks));
    if (cli.json !== null) writeFileSync(cli.json, `${JSON.stringify(json, null, 2)}\n`);
    if (cli.keep) console.log(`soak: kept ${world.root}`);
    return checks.failed.length === 0 ? 0 : 1;
  } finally {
    sv.kill();
    if (!cli.keep) world.cleanup();
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(`soak: error: ${(err as Error).message}`);
  process.exit(1);
});
