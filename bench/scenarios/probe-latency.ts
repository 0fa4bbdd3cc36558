// Scenario 13: what one readiness probe costs. An exec probe forks a process in the container
// each period (`svinit check`, or runit's `sv status`, through nsenter as `kubectl exec` or a
// kubelet exec probe enters the container); an httpGet probe asks svinit's --http server:
// GET /readyz 1,000 times over one keep-alive connection. p50 and p99 of each, in one run.
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { delay, percentile, type Value } from '../measure.js';
import { SVINIT_BIN } from '../paths.js';
import { rowFrom, unavailableRow } from '../rows.js';
import { servicesOf } from '../service-dir.js';
import { SETTLE_MS, withSession } from '../session.js';
import type { Column, Context, Row, Scenario, Table } from '../types.js';
import { timeInNamespace } from './status-latency.js';

const REQUESTS = 1000;

/** The port svinit's --http line names in its log (it was given port 0: the kernel chose). */
async function httpPort(logFile: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const m = /--http: serving .* on http:\/\/127\.0\.0\.1:(\d+) /.exec(existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
    if (m !== null) return Number(m[1]);
    await delay(25);
  }
  throw new Error(`no --http line in ${logFile}`);
}

/** One GET over `agent`; resolves with the ms it took and the status code. */
function timedGet(agent: Agent, port: number, path: string): Promise<{ ms: number; status: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** GET `path` REQUESTS times over one keep-alive connection (after 50 not counted): the times, and the answers that were not 200. */
async function httpTimes(port: number, path: string): Promise<{ times: number[]; bad: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < 50; i++) await timedGet(agent, port, path); // warm-up: the connection, the JIT
    const times: number[] = [];
    let bad = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const { ms, status } = await timedGet(agent, port, path);
      times.push(ms);
      if (status !== 200) bad++;
    }
    return { times, bad };
  } finally {
    agent.destroy();
  }
}

// The floor: a bare Node http.Server answering the same bytes, read by the same client. What is
// left above it is svinit's; what is in it is Node's HTTP stack, loopback and this machine.
const BARE = `require('node:http').createServer((q, s) => { s.writeHead(200, { 'content-type': 'text/plain' }); s.end('ready\\n'); })
  .listen(0, '127.0.0.1', function () { process.stdout.write(this.address().port + '\\n'); });`;

/** The floor's times, from a bare server started for it (and stopped after). */
async function bareTimes(): Promise<{ times: number[]; bad: number }> {
  const child = spawn(process.execPath, ['-e', BARE], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.setEncoding('utf8').once('data', (d: string) => resolve(Number(d.trim())));
      child.once('exit', () => reject(new Error('the bare server exited')));
    });
    return await httpTimes(port, '/readyz');
  } finally {
    child.kill('SIGKILL');
  }
}

/** p50 and p99 of `times`, as a run's values. */
function spread(times: readonly number[]): Record<string, Value> {
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

/** `argv` called `n` times inside PID 1's namespaces: the times of the calls that exited 0. */
async function execTimes(pid1: number, argv: readonly string[], n: number, notes: string[]): Promise<number[]> {
  await timeInNamespace(pid1, argv); // warm-up, not counted
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const { ms, code } = await timeInNamespace(pid1, argv);
    if (code === 0) times.push(ms);
    else if (notes.length < 3) notes.push(`${argv.join(' ')}: exit ${code}`);
  }
  return times;
}

/** Scenario 13. */
export const probeLatency: Scenario = {
  id: 'probe-latency',
  title: 'cost of one readiness probe',
  async run(ctx: Context): Promise<Table> {
    const cols: Column[] = [{ key: 'p50', header: 'p50 (ms)', digits: 3 }, { key: 'p99', header: 'p99 (ms)', digits: 3 }];
    const execCalls = ctx.quick ? 10 : 50;
    const runs = new Map<string, { runs: Array<Record<string, Value>>; notes: string[] }>();
    const put = (label: string, values: Record<string, Value> | null, note?: string): void => {
      const e = runs.get(label) ?? { runs: [], notes: [] };
      runs.set(label, e);
      if (values !== null) e.runs.push(values);
      if (note !== undefined) e.notes.push(note);
    };
    const services = servicesOf('idle', ctx.small);
    const names = services.map((s) => s.name);
    const runsvdir = ctx.inits.find((i) => i.id === 'runsvdir');
    const svinit = ctx.inits.find((i) => i.id === 'svinit-builtin');
    for (let r = 0; r < ctx.runs; r++) {
      if (runsvdir !== undefined && runsvdir.unavailable === null) {
        await withSession(ctx, runsvdir, services, async (s) => {
          await delay(SETTLE_MS);
          const notes: string[] = [];
          put('nsenter true (floor)', spread(await execTimes(s.pid1.hostPid, ['true'], execCalls, notes)));
          put('sv status (exec, runsvdir)', spread(await execTimes(s.pid1.hostPid, ['sv', 'status', ...names], execCalls, notes)), notes[0]);
        }).catch((err: Error) => put('sv status (exec, runsvdir)', null, `run ${r + 1}: ${err.message}`));
      }
      if (svinit !== undefined && svinit.unavailable === null) {
        await withSession(ctx, svinit, services, async (s) => {
          await delay(SETTLE_MS);
          const port = await httpPort(s.layout.logFile);
          const notes: string[] = [];
          put('svinit check (exec)', spread(await execTimes(s.pid1.hostPid, [SVINIT_BIN, 'check'], execCalls, notes)), notes[0]);
          const { times, bad } = await httpTimes(port, '/readyz');
          put('GET /readyz (--http, keep-alive)', spread(times), bad > 0 ? `run ${r + 1}: ${bad} of ${REQUESTS} answers were not 200` : undefined);
        }, { extra: ['--http', '127.0.0.1:0'] }).catch((err: Error) => put('GET /readyz (--http, keep-alive)', null, `run ${r + 1}: ${err.message}`));
      }
      const bare = await bareTimes().catch((err: Error) => ({ times: [], bad: 0, err }));
      put('bare node http.Server (floor)', 'err' in bare ? null : spread(bare.times), 'err' in bare ? `run ${r + 1}: ${bare.err.message}` : undefined);
      const line = [...runs].map(([label, e]) => `${label} p50 ${e.runs[r]?.['p50']?.toString().slice(0, 5) ?? '?'} ms`).join(', ');
      ctx.say(`  run ${r + 1}/${ctx.runs}: ${line}`);
    }
    const row = (label: string, role: Row['role'], why: string | null | undefined): Row => {
      if (why !== null) return unavailableRow(label, role, why ?? 'skipped');
      const e = runs.get(label) ?? { runs: [], notes: [] };
      return rowFrom(label, role, cols, e.runs, e.notes);
    };
    return {
      id: this.id,
      title: `one readiness probe: an exec probe (${execCalls} calls through nsenter, after one warm-up) against GET /readyz (${REQUESTS} requests on one keep-alive connection, after 50 warm-up); p50 and p99 per run, ${ctx.small} services`,
      columns: cols,
      ratioKeys: ['p50', 'p99'],
      rows: [
        row('nsenter true (floor)', 'reference', runsvdir?.unavailable),
        row('sv status (exec, runsvdir)', 'anchor', runsvdir?.unavailable),
        row('svinit check (exec)', 'svinit', svinit?.unavailable),
        row('GET /readyz (--http, keep-alive)', 'svinit', svinit?.unavailable),
        row('bare node http.Server (floor)', 'reference', null),
      ],
    };
  },
};
