// svinit's benchmark harness (`npm run bench`): every scenario against every init, one table per
// scenario on stdout, everything in JSON.
//   node dist/bench/run.js [--quick] [--runs N] [--json FILE] [--only SCENARIO[,SCENARIO]] [--inits INIT[,INIT]] [--keep]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname, release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { allInits, type InitSpec } from './inits.js';
import { killAllPid1 } from './namespace.js';
import { DEFAULT_JSON, svinitBuilt } from './paths.js';
import { processesMentioning } from './proc.js';
import { SCENARIOS } from './scenarios/index.js';
import { setup, type SetupResult } from './setup.js';
import { ratiosOf, renderTable } from './table.js';
import { buildTools } from './tools.js';
import type { Context, Table } from './types.js';

const USAGE = `usage: node dist/bench/run.js [--quick] [--runs N] [--json FILE] [--only SCENARIO[,SCENARIO]] [--inits INIT[,INIT]] [--keep]
scenarios: ${SCENARIOS.map((s) => s.id).join(', ')}
inits: ${allInits().map((i) => i.id).join(', ')}`;

interface Cli {
  readonly quick: boolean;
  readonly runs: number;
  readonly json: string;
  readonly only: readonly string[] | null;
  /** Only these inits run (ids of allInits); the others' rows read "skipped: not in --inits". */
  readonly initIds: readonly string[] | null;
  readonly keep: boolean;
}

function parseArgs(argv: readonly string[]): Cli | null {
  let quick = false;
  let runs: number | null = null;
  let json = DEFAULT_JSON;
  let only: string[] | null = null;
  let initIds: string[] | null = null;
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`unable to use ${arg}: it needs a value\n${USAGE}`);
      return v;
    };
    if (arg === '--quick') quick = true;
    else if (arg === '--keep') keep = true;
    else if (arg === '--runs') runs = Number(value());
    else if (arg === '--json') json = value();
    else if (arg === '--only') only = value().split(',');
    else if (arg === '--inits') initIds = value().split(',');
    else if (arg === '-h' || arg === '--help') return null;
    else throw new Error(`unable to use argument "${arg}"\n${USAGE}`);
  }
  if (runs !== null && !(Number.isInteger(runs) && runs > 0)) throw new Error(`unable to use --runs: give a whole number above 0\n${USAGE}`);
  const unknown = (only ?? []).filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown.length > 0) throw new Error(`unable to use --only: unknown scenario ${unknown.join(', ')}\n${USAGE}`);
  const ids = allInits().map((i) => i.id);
  const strange = (initIds ?? []).filter((id) => !ids.includes(id));
  if (strange.length > 0) throw new Error(`unable to use --inits: unknown init ${strange.join(', ')}\n${USAGE}`);
  return { quick, runs: runs ?? (quick ? 1 : 5), json, only, initIds, keep };
}

function versions(): Record<string, string> {
  const out: Record<string, string> = { node: process.version, kernel: release() };
  for (const pkg of ['runit', 'tini', 'dumb-init', 'util-linux']) {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' });
    out[pkg] = r.status === 0 ? r.stdout : 'not installed';
  }
  return out;
}

function context(cli: Cli, work: string, inits: readonly InitSpec[], tools: Context['tools']): Context {
  let counter = 0;
  return {
    quick: cli.quick,
    runs: cli.runs,
    inits,
    tools,
    small: 2,
    large: cli.quick ? 10 : 100,
    orphans: cli.quick ? 200 : 2000,
    idleMs: cli.quick ? 3_000 : 10_000,
    runDir(label: string): string {
      const dir = join(work, `${String(++counter).padStart(4, '0')}-${label}`);
      mkdirSync(dir);
      return dir;
    },
    say: (line) => console.log(line),
  };
}

/** With namespaces refused, every init is skipped with that reason (the tables still print). */
function usableInits(found: SetupResult, initIds: readonly string[] | null): InitSpec[] {
  return allInits(found.why).map((init) => {
    if (init.unavailable !== null) return init;
    if (found.nsProblem !== null) return { ...init, unavailable: `skipped: ${found.nsProblem}` };
    if (initIds !== null && !initIds.includes(init.id)) return { ...init, unavailable: 'skipped: not in --inits' };
    return init;
  });
}

/** Ends every process the bench left behind (there should be none), says so, returns the count. */
function sweep(work: string): number {
  killAllPid1();
  const left = processesMentioning(work);
  if (left.length === 0) return 0;
  console.log(`bench: ${left.length} leftover process(es) found and SIGKILLed: ${left.join(' ')}`);
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return left.length;
}

async function main(): Promise<number> {
  const cli = parseArgs(process.argv.slice(2));
  if (cli === null) {
    console.log(USAGE);
    return 0;
  }
  const started = performance.now();
  console.log(`svinit bench: ${cli.quick ? 'quick' : 'full'} mode, ${cli.runs} run(s) per figure, ${cpus().length} CPUs, ${release()}`);
  const found = await setup((line) => console.log(line));
  const work = mkdtempSync(join(tmpdir(), 'svinit-bench-'));
  const abort = (): void => {
    sweep(work);
    rmSync(work, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  const tools = buildTools(work, (line) => console.log(line));
  const inits = usableInits(found, cli.initIds);
  console.log(`setup: svinit ${svinitBuilt() ? 'is built' : 'is not built (dist/src/bin/svinit.js missing): its rows read "n/a (not built)"'}`);
  const ctx = context(cli, work, inits, tools);
  const results: Record<string, Table & { seconds: number; ratios: ReturnType<typeof ratiosOf> }> = {};
  let leftovers = 0;
  try {
    for (const scenario of SCENARIOS.filter((s) => cli.only === null || cli.only.includes(s.id))) {
      console.log(`\n-- ${scenario.id}: ${scenario.title}`);
      const t0 = performance.now();
      const table = await scenario.run(ctx);
      console.log(`\n${renderTable(table, table.runs ?? ctx.runs)}`);
      results[scenario.id] = { ...table, seconds: (performance.now() - t0) / 1000, ratios: ratiosOf(table) };
    }
  } finally {
    leftovers = sweep(work);
    if (!cli.keep) rmSync(work, { recursive: true, force: true });
  }
  const meta = {
    date: new Date().toISOString(),
    host: hostname(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    versions: versions(),
    quick: cli.quick,
    runs: cli.runs,
    sizes: { small: ctx.small, large: ctx.large, orphans: ctx.orphans, idleMs: ctx.idleMs },
    svinitBuilt: svinitBuilt(),
    unshareForwardsTerm: found.unshareForwardsTerm,
    namespaces: found.nsProblem ?? 'ok',
    tools: tools.why ?? 'ok',
    /** Processes of the bench still alive at its end (found and SIGKILLed); should be 0. */
    leftovers,
    seconds: (performance.now() - started) / 1000,
  };
  mkdirSync(dirname(cli.json), { recursive: true });
  writeFileSync(cli.json, `${JSON.stringify({ meta, scenarios: results }, null, 2)}\n`);
  console.log(`\nbench: done in ${meta.seconds.toFixed(0)} s; JSON in ${cli.json}${cli.keep ? `; run folders kept in ${work}` : ''}`);
  return found.nsProblem === null ? 0 : 2;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(err instanceof Error && err.message.startsWith('unable to use') ? 100 : 1);
  },
);
