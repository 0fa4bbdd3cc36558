// The soak's sv clients: workers that send status, restart, term, once and up to the crash loops
// one after the other (each verb to the services it may go to, see Targets), and a probe that times `sv -w 15 restart` of the unflooded
// `probe` service once a second. Both use svinit's own `bin/svinit sv` and, when installed,
// Debian's runit `sv`, in turn.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readStatus } from '../../src/protocol/client.js';
import type { SuperviseStatus } from '../../src/protocol/status-file.js';
import { repoRoot } from '../helpers/fixtures.js';

/** One sv program. */
export interface SvTool {
  readonly name: string;
  readonly file: string;
  readonly prefix: readonly string[];
}

export const RUNIT_SV = '/usr/bin/sv';

/** svinit's sv, and runit's when installed (else the reason it is not used). */
export function svTools(): { tools: SvTool[]; skipped: string | null } {
  const tools: SvTool[] = [{ name: 'svinit sv', file: join(repoRoot, 'bin/svinit'), prefix: ['sv'] }];
  if (!existsSync(RUNIT_SV)) return { tools, skipped: `runit's sv is not installed (${RUNIT_SV}): only svinit's own sv is used` };
  tools.push({ name: 'runit sv', file: RUNIT_SV, prefix: [] });
  return { tools, skipped: null };
}

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Call {
  readonly code: number;
  readonly out: string;
  readonly ms: number;
}

/** Runs `tool` with `args` in service directory `dir`; never throws (a timeout is code 124). */
export function callSv(tool: SvTool, args: readonly string[], dir: string, timeoutMs = 30_000): Promise<Call> {
  const t0 = performance.now();
  return new Promise((res) => {
    execFile(tool.file, [...tool.prefix, ...args], { env: { ...process.env, SVDIR: dir }, timeout: timeoutMs, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 124;
        res({ code, out: `${stdout}${stderr}`.trim(), ms: performance.now() - t0 });
      });
  });
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;

/** Which services each verb may go to. */
export interface Targets {
  /** `sv restart` (it waits for the service to be up: see RESTARTED in world.ts). */
  readonly restart: readonly string[];
  /** `once` and `up` (up undoes a once). */
  readonly once: readonly string[];
  /** `term`: any crash loop. */
  readonly term: readonly string[];
  /** `status`: every service. */
  readonly status: readonly string[];
}

const VERBS = ['status', 'status', 'status', 'restart', 'restart', 'term', 'once', 'up'] as const;

function targetOf(verb: (typeof VERBS)[number], t: Targets): string {
  if (verb === 'restart') return pick(t.restart);
  if (verb === 'once' || verb === 'up') return pick(t.once);
  return pick(verb === 'term' ? t.term : t.status);
}

/** What the clients did. */
export interface ClientFigures {
  calls: Map<string, number>;
  failures: string[];
}

/** Runs `workers` client loops until `running()` is false; resolves when every call has ended. */
export async function runClients(tools: readonly SvTool[], dir: string, targets: Targets, workers: number,
  running: () => boolean): Promise<ClientFigures> {
  const figures: ClientFigures = { calls: new Map(), failures: [] };
  const loop = async (w: number): Promise<void> => {
    for (let i = 0; running(); i++) {
      const tool = tools[(w + i) % tools.length] as SvTool;
      const verb = pick(VERBS);
      const target = targetOf(verb, targets);
      const r = await callSv(tool, [verb, target], dir);
      const key = `${tool.name} ${verb}`;
      figures.calls.set(key, (figures.calls.get(key) ?? 0) + 1);
      if (r.code !== 0) figures.failures.push(`${tool.name} ${verb} ${target}: exit ${r.code}: ${r.out}`);
      await wait(50);
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, w) => loop(w)));
  return figures;
}

/** What the restart probe measured, per tool: the sv command's wall time and the restart as seen in supervise/status. */
export interface ProbeFigures {
  commandMs: Map<string, number[]>;
  statusMs: Map<string, number[]>;
  failures: string[];
}

function probeStatus(dir: string): SuperviseStatus | null {
  const r = readStatus(dir);
  return r.kind === 'ok' ? r.status : null;
}

/**
 * `sv -w 15 restart SERVICE` until `running()` is false, each once the service has run for
 * 1.1 s (svinit, as runsv, starts a service at most once a second: a sooner restart would time
 * the throttle). Two figures each: the command's wall time (runit's sv compares the status time
 * with its own start to the second, so it may report ok before the restart), and the time until
 * supervise/status shows the new pid running, sampled every 5 ms.
 */
export async function runProbe(tools: readonly SvTool[], dir: string, service: string, running: () => boolean): Promise<ProbeFigures> {
  const figures: ProbeFigures = { commandMs: new Map(tools.map((t) => [t.name, []])), statusMs: new Map(tools.map((t) => [t.name, []])), failures: [] };
  const path = join(dir, service);
  let i = 0;
  while (running()) {
    const before = probeStatus(path);
    const startedMs = before === null ? 0 : before.seconds * 1000 + before.nanos / 1e6;
    if (before === null || before.state !== 'run' || Date.now() - startedMs < 1100) {
      await wait(20);
      continue;
    }
    const tool = tools[i++ % tools.length] as SvTool;
    const t0 = performance.now();
    let seenMs: number | null = null;
    const call = callSv(tool, ['-w', '15', 'restart', service], dir);
    let done = false;
    void call.then(() => { done = true; });
    while (seenMs === null && performance.now() - t0 < 15_000) {
      const now = probeStatus(path);
      if (now !== null && now.state === 'run' && now.pid !== before.pid) seenMs = performance.now() - t0;
      else await wait(done ? 20 : 5);
    }
    const r = await call;
    if (r.code === 0 && seenMs !== null) {
      figures.commandMs.get(tool.name)?.push(r.ms);
      figures.statusMs.get(tool.name)?.push(seenMs);
    } else figures.failures.push(`${tool.name} -w 15 restart ${service}: exit ${r.code} after ${Math.round(r.ms)} ms` +
      `${seenMs === null ? ', no new pid in supervise/status within 15 s' : ''}: ${r.out}`);
  }
  return figures;
}
