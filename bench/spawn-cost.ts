// Spawn+exit cost of /bin/true: svinit's addon (clone(CLONE_VM|CLONE_VFORK)) against
// child_process.spawn (libuv: fork), at normal RSS and with 500 MB of touched heap, because
// fork's cost grows with the parent's page tables and vfork's does not.
// Usage: node dist/bench/spawn-cost.js [--quick]      (numbers only; nothing is asserted)
import { spawn as cpSpawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { spawn } from '../src/process/spawn.js';
import { waitpid } from '../src/native/native.js';

const quick = process.argv.includes('--quick');
const N = quick ? 40 : 300;
const WARMUP = 5;
const INFLATE_MB = 500;

/** Mean ms per child of `n` sequential spawn+wait rounds. */
async function measure(n: number, once: () => Promise<void> | void): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await once();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await once();
  return (performance.now() - t0) / n;
}

function viaAddon(): void {
  const pid = spawn({ file: '/bin/true', argv: ['true'], env: [], stdio: ['null', 'null', 'null'] });
  const r = waitpid(pid, false);
  if (r === null || r.status !== 0) throw new Error(`addon child ended with ${r?.status}`);
}

function viaChildProcess(): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = cpSpawn('/bin/true', [], { env: {}, stdio: 'ignore' });
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`child_process child exited ${code}`))));
  });
}

function rssMb(): number {
  return process.memoryUsage().rss / 2 ** 20;
}

interface Row {
  readonly label: string;
  readonly rss: number;
  readonly addon: number;
  readonly cp: number;
}

async function row(label: string): Promise<Row> {
  const addon = await measure(N, viaAddon);
  const cp = await measure(N, viaChildProcess);
  return { label, rss: rssMb(), addon, cp };
}

const rows: Row[] = [await row('normal')];
const ballast = Buffer.alloc(INFLATE_MB * 2 ** 20);
ballast.fill(1); // touch every page so it is really resident and in the page tables
rows.push(await row(`+${INFLATE_MB} MB`));

const header = ['heap', 'RSS MB', 'addon ms/child', 'child_process ms/child', 'child_process / addon'];
const body = rows.map((r) => [r.label, r.rss.toFixed(0), r.addon.toFixed(3), r.cp.toFixed(3), `${(r.cp / r.addon).toFixed(1)}x`]);
const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
const fmt = (cells: string[]): string => `| ${cells.map((c, i) => c.padStart(widths[i] as number)).join(' | ')} |`;
console.log(`spawn+exit of /bin/true, ${N} children per cell (after ${WARMUP} warm-up), Node ${process.version}`);
console.log(fmt(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const b of body) console.log(fmt(b));
const growth = (k: 'addon' | 'cp'): string => ((rows[1] as Row)[k] / (rows[0] as Row)[k]).toFixed(1);
console.log(`cost growth with +${INFLATE_MB} MB: addon ${growth('addon')}x, child_process ${growth('cp')}x`);
if (ballast.length === 0) console.log('unreachable'); // keeps the ballast alive until here
