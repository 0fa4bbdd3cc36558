// --http against hostile clients: 200 connections held open, a request that trickles in one byte a
// second, oversized headers and URL, garbage bytes, a body nobody asked for. svinit keeps
// supervising (`sv restart` stays fast), every bad connection is closed within its deadline, RSS
// stays bounded; and with nobody connected the server wakes svinit up not once (Node's own
// connection check would every 30 s). The figures are printed as diagnostics (docs/reliability.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { ctxtSwitches } from './init-harness.js';
import { get, startProbed, until, waitFor, type Probed } from './http-harness.js';
import { rssKb } from '../helpers/proc.js';

const RUN = '#!/bin/sh\necho $$ > $M/web.ready.new && mv $M/web.ready.new $M/web.ready\nexec sleep 1000\n';
const SV = existsSync('/usr/bin/sv') ? '/usr/bin/sv' : null;
let lastRestart = 0;

/** A raw connection and everything it reads until it is closed. */
interface Raw {
  readonly socket: Socket;
  data: string;
  closed: boolean;
  closedAt: number;
}

function raw(port: number): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const r: Raw = { socket, data: '', closed: false, closedAt: 0 };
    socket.setEncoding('utf8').on('data', (d: string) => { r.data += d; });
    socket.on('error', () => undefined);
    socket.on('close', () => { r.closed = true; r.closedAt = performance.now(); });
    socket.once('connect', () => resolve(r));
    socket.once('error', reject);
  });
}


/**
 * `sv restart` of the tree's web (runit's sv when installed, else svinit's), in ms until its new
 * ./run wrote its pid: svinit's own reaction, not sv's 420 ms polling. Each comes 1.5 s after
 * the last: within a second of a start, ./run is started again only a second after it (runsv's
 * throttle), which would be timed instead of svinit.
 */
async function svRestart(tree: Probed['tree']): Promise<number> {
  const wait = lastRestart + 1500 - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const old = tree.read('web.ready');
  const t0 = performance.now();
  lastRestart = t0;
  const dir = `${tree.sv}/web`;
  // sv restart waits for the service to be up (polling every 420 ms): the new ./run's pid file is
  // timed while it runs.
  const sv = SV !== null
    ? spawn(SV, ['restart', dir], { stdio: 'ignore' })
    : spawn('bin/svinit', ['sv', 'restart', dir], { stdio: 'ignore', env: { ...process.env, SVINIT_NODE: process.execPath } });
  const exited = new Promise<number | null>((resolve) => sv.on('exit', resolve));
  await waitFor(() => tree.has('web.ready') && tree.read('web.ready') !== old, 10_000, 'web restarted');
  const ms = performance.now() - t0;
  assert.equal(await exited, 0, 'sv restart');
  return ms;
}

test('hostile clients: svinit keeps supervising, every bad connection is closed in time, memory stays bounded', { timeout: 120_000 }, async (t) => {
  const p = await startProbed(t, { web: { run: RUN } });
  await until(p.url, '/readyz', (r) => r.status === 200, 15_000, 'ready');
  const pid = await p.init.pid();
  const quiet = await svRestart(p.tree);
  const rss0 = rssKb(pid);

  // 200 connections that never send a byte: 64 are served (then closed at their 5 s deadline), the rest closed at once.
  const t0 = performance.now();
  const held = await Promise.all(Array.from({ length: 200 }, () => raw(p.port)));
  // One request trickling in at a byte a second (slowloris), oversized headers, a long URL, garbage, a body.
  await waitFor(() => held.filter((h) => !h.closed).length <= 64, 5000, 'connections beyond the cap closed at once');
  const open = held.filter((h) => !h.closed).length;
  for (const h of held.filter((x) => !x.closed).slice(0, 10)) h.socket.destroy(); // room for the rest
  await waitFor(() => held.filter((h) => !h.closed).length <= 54, 2000, 'ten closed by the client');
  const slow = await raw(p.port);
  const request = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
  let sent = 0;
  const drip = setInterval(() => { if (!slow.closed && sent < request.length) slow.socket.write(request[sent++] ?? ''); }, 1000);
  t.after(() => clearInterval(drip));
  const big = await raw(p.port);
  big.socket.write(`GET /status HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(16 * 1024)}\r\n\r\n`);
  const long = await raw(p.port);
  long.socket.write(`GET /${'x'.repeat(2000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  const junk = await raw(p.port);
  junk.socket.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a]));
  const body = await raw(p.port);
  body.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\nxxxx');

  // Meanwhile supervision goes on as before (the load is still there: the slowloris has its 5 s).
  const during = await svRestart(p.tree);
  const slowClosedBefore = slow.closed;
  const rssLoad = rssKb(pid);
  await waitFor(() => big.closed && long.closed && junk.closed && body.closed, 5000, 'the bad requests answered and closed');
  assert.match(big.data, /^HTTP\/1\.1 431 /);
  assert.match(long.data, /^HTTP\/1\.1 414 /);
  assert.match(junk.data, /^HTTP\/1\.1 400 /);
  assert.match(body.data, /^HTTP\/1\.1 200 [^]*connection: close/i);
  await waitFor(() => slow.closed, 8000, 'the slowloris closed at its deadline');
  const slowMs = slow.closedAt - t0;
  assert.equal(slow.data, '', 'the trickled request never got an answer');
  await waitFor(() => held.every((h) => h.closed), 8000, 'every idle connection closed at its deadline');
  const heldMs = Math.max(...held.map((h) => h.closedAt)) - t0;
  const rss1 = rssKb(pid);
  const after = await svRestart(p.tree);
  // (Not /readyz: three starts within a minute are a crash loop to it, as to svinit check.)
  assert.equal((await get(p.url, '/healthz')).status, 200, 'probes answer again');
  assert.match((await get(p.url, '/status')).body, /"name":"web","dir":"[^"]*","state":"run"/);
  t.diagnostic(`sv restart: ${quiet.toFixed(1)} ms quiet, ${during.toFixed(1)} ms under the hostile load, ${after.toFixed(1)} ms after`);
  t.diagnostic(`200 idle connections: ${200 - open} closed at once, ${open} served until their deadline (all gone after ${heldMs.toFixed(0)} ms); ` +
    `slowloris closed after ${slowMs.toFixed(0)} ms with ${sent} of ${request.length} bytes sent; RSS ${rss0} kB before, ${rssLoad} kB under the load, ${rss1} kB after`);
  assert.equal(open, 64, 'the cap');
  assert.ok(!slowClosedBefore, 'the restart ran while the hostile connections were open');
  assert.ok(during < Math.max(300, quiet * 5), `sv restart took ${during} ms under the load (${quiet} ms quiet)`);
  assert.ok(Math.max(rssLoad, rss1) - rss0 < 32 * 1024, `RSS grew ${Math.max(rssLoad, rss1) - rss0} kB`);
});

test('--http with nobody connected: no wake-up in 35 s (Node\'s default connection check would wake svinit at 30 s)', { timeout: 90_000 }, async (t) => {
  const p = await startProbed(t, { web: { run: RUN } });
  await until(p.url, '/metrics', (r) => r.status === 200 && r.body.includes('svinit_ready 1'), 15_000, 'ready');
  const pid = await p.init.pid();
  // The last connection's timers (its deadline, Node's cached Date header) are over within ~6 s.
  await new Promise((r) => setTimeout(r, 7000));
  const before = ctxtSwitches(pid);
  await new Promise((r) => setTimeout(r, 35_000));
  const woken = ctxtSwitches(pid) - before;
  t.diagnostic(`context switches of every svinit thread in 35 s idle with --http: ${woken}`);
  assert.equal(woken, 0);
});
