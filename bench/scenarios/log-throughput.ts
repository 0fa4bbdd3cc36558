// Scenario 12: log throughput. One service writes N MB of 60-byte lines to its stdout as fast as
// it can (yes | head -c); the bench reads the init's stdout and times from the init's spawn until
// the last line is in. The reference is svinit with the output inherited (runit's way: the
// service writes straight into the bench's pipe); against it, svinit --log-prefix and
// --log-format json, where every line goes through svinit. Goal: at least 0.5x the inherited rate.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchEnv } from '../namespace.js';
import type { Value } from '../measure.js';
import { SVINIT_BIN } from '../paths.js';
import { rowFrom } from '../rows.js';
import type { Column, Context, Row, Scenario, Table } from '../types.js';

const LINE = `${'x'.repeat(59)}\n`;

interface Variant {
  readonly label: string;
  readonly role: Row['role'];
  readonly flags: readonly string[];
}

const VARIANTS: readonly Variant[] = [
  { label: 'svinit, output inherited', role: 'anchor', flags: [] },
  { label: 'svinit --log-prefix', role: 'svinit', flags: ['--log-prefix'] },
  { label: 'svinit --log-format json', role: 'svinit', flags: ['--log-format', 'json'] },
];

/** Seconds until `lines` lines came out of the init's stdout (NaN if they did not within 120 s). */
function once(dir: string, flags: readonly string[], lines: number): Promise<number> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(SVINIT_BIN, [...flags, '--dir', dir], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...benchEnv(), SVINIT_NODE: process.execPath } });
    let seen = 0;
    let done = false;
    const finish = (v: number): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGTERM');
      child.once('exit', () => resolve(v));
    };
    const timer = setTimeout(() => finish(NaN), 120_000);
    child.stdout.on('data', (b: Buffer) => {
      for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) seen++;
      if (seen >= lines) finish((performance.now() - t0) / 1000);
    });
    child.on('error', () => finish(NaN));
  });
}

/** Scenario 12. */
export const logThroughput: Scenario = {
  id: 'log-throughput',
  title: 'log throughput: a service\'s output inherited, or through svinit line by line',
  async run(ctx: Context): Promise<Table> {
    const mb = ctx.quick ? 5 : 50;
    const lines = Math.floor((mb * 1024 * 1024) / LINE.length);
    const root = mkdtempSync(join(tmpdir(), 'svinit-bench-log-'));
    const svc = join(root, 'chatty');
    mkdirSync(svc);
    writeFileSync(join(svc, 'run'), `#!/bin/sh\nyes ${LINE.slice(0, -1)} | head -n ${lines}\nexec sleep 1000\n`);
    chmodSync(join(svc, 'run'), 0o755);
    const cols: Column[] = [
      { key: 'seconds', header: `${mb} MB out (s)`, digits: 2 },
      { key: 'mbps', header: 'MB/s', digits: 1 },
    ];
    const rows: Row[] = [];
    try {
      for (const v of VARIANTS) {
        const runs: Array<Record<string, Value>> = [];
        for (let r = 0; r < ctx.runs; r++) {
          const s = await once(root, v.flags, lines);
          runs.push({ seconds: Number.isNaN(s) ? null : s, mbps: Number.isNaN(s) ? null : mb / s });
          ctx.say(`  ${v.label} run ${r + 1}/${ctx.runs}: ${Number.isNaN(s) ? 'timed out' : `${s.toFixed(2)} s, ${(mb / s).toFixed(1)} MB/s`}`);
        }
        rows.push(rowFrom(v.label, v.role, cols, runs, []));
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    return {
      id: this.id,
      title: `log throughput: ${mb} MB of 60-byte lines from one service, from the init's spawn to the last line read (svinit's start-up included)`,
      columns: cols,
      ratioKeys: ['mbps'],
      rows,
    };
  },
};
