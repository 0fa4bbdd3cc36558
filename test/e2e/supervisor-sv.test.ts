// Debian's real `sv` against svinit's built-in supervisor: status lines in runsv's exact form,
// every command checked by its effect on the real service process, and LSB exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../../src/protocol/client.js';
import { run } from '../compat/runsv-harness.js';
import { IGNORE_TERM, NO_RUNIT, SLEEPER, Svinit, TRAPS, gone, procState, waitUntil } from './supervisor-harness.js';

const OPTS = { skip: NO_RUNIT, timeout: 120_000 };

test('sv status shows svinit services exactly as runsv services', OPTS, async (t) => {
  const sv = await Svinit.start(t, {
    web: { run: SLEEPER, 'log/run': '#!/bin/sh\necho $$ > ready.new && mv ready.new ready\nexec cat > /dev/null\n' },
    off: { run: SLEEPER, down: ['', 0o644] },
  });
  const t0 = Date.now();
  const pid = await sv.ready('web');
  const logPid = await sv.ready('web/log');
  const r = await sv.sv(['status', 'web', 'off']);
  const age = Math.ceil((Date.now() - t0) / 1000) + 1;
  assert.equal(r.code, 0, r.stdout);
  const m = /^run: web: \(pid (\d+)\) (\d+)s; run: log: \(pid (\d+)\) (\d+)s\ndown: off: (\d+)s\n$/.exec(r.stdout);
  assert.ok(m !== null, `runsv's form: ${JSON.stringify(r.stdout)}`);
  assert.equal(Number(m[1]), pid);
  assert.equal(Number(m[3]), logPid);
  for (const a of [m[2], m[4], m[5]]) assert.ok(Number(a) <= age, `age ${a}s <= ${age}s`);
});

test('sv commands reach the service with their effect', OPTS, async (t) => {
  const sv = await Svinit.start(t, { s: { run: TRAPS }, d: { run: TRAPS, down: ['', 0o644] }, hard: { run: IGNORE_TERM } });
  let pid = await sv.ready('s');

  // Each signal command: the trap for that signal wrote its marker, from this pid.
  for (const [cmd, sig] of [['hup', 'HUP'], ['alarm', 'ALRM'], ['interrupt', 'INT'], ['quit', 'QUIT'], ['1', 'USR1'], ['2', 'USR2']] as const) {
    const r = await sv.sv([cmd, 's']);
    assert.equal(r.code, 0, `${cmd}: ${r.stdout}`);
    await waitUntil(() => sv.signals('s').includes(`${sig} ${pid}`), 10_000, `${sig} marker after sv ${cmd}`);
  }

  // pause / cont: the process is really stopped, then running again.
  assert.equal((await sv.sv(['pause', 's'])).code, 0);
  await waitUntil(() => procState(pid) === 'T', 10_000, 'stopped after sv pause');
  // runsv and svinit both send SIGSTOP, then write the status: on a loaded machine the process
  // may be seen stopped a moment before the file says so.
  await sv.until('s', (st) => st.paused, 'paused in supervise/status');
  assert.match((await sv.sv(['status', 's'])).stdout, /^run: s: \(pid \d+\) \d+s, paused\n$/);
  assert.equal((await sv.sv(['cont', 's'])).code, 0);
  await waitUntil(() => procState(pid) === 'S', 10_000, 'running after sv cont');

  // term (want up): TERM reached it and it was restarted with a new pid.
  assert.equal((await sv.sv(['term', 's'])).code, 0);
  await waitUntil(() => sv.signals('s').includes(`TERM ${pid}`), 10_000, 'TERM marker');
  const afterTerm = await sv.ready('s', pid);
  // kill: SIGKILL, restarted.
  assert.equal((await sv.sv(['kill', 's'])).code, 0);
  await waitUntil(() => gone(afterTerm), 10_000, 'killed');
  pid = await sv.ready('s', afterTerm);

  // restart: new pid, the old one got TERM. sv compares whole seconds (runit quirk), so a
  // restart in the second the service started would pass at once with the old pid.
  const started = sv.status('s')?.seconds ?? 0;
  await waitUntil(() => Math.floor(Date.now() / 1000) > started, 10_000, 'a new second');
  const rs = await sv.sv(['-w', '5', 'restart', 's']);
  assert.equal(rs.code, 0, rs.stdout);
  assert.match(rs.stdout, /^ok: run: s: \(pid \d+\) \d+s\n$/);
  assert.ok(sv.signals('s').includes(`TERM ${pid}`), 'old pid got TERM');
  const restarted = await sv.ready('s', pid);
  assert.match(rs.stdout, new RegExp(`\\(pid ${restarted}\\)`));

  // check on a running service, then stop.
  const ck = await sv.sv(['-w', '5', 'check', 's']);
  assert.equal(ck.code, 0, ck.stdout);
  assert.match(ck.stdout, new RegExp(`^ok: run: s: \\(pid ${restarted}\\) \\d+s\\n$`));
  const stop = await sv.sv(['-w', '5', 'stop', 's']);
  assert.equal(stop.code, 0, stop.stdout);
  assert.match(stop.stdout, /^ok: down: s: \d+s, normally up\n$/);
  assert.ok(gone(restarted));

  // down-file service: up, down, once.
  assert.equal(sv.status('d')?.state, 'down');
  assert.equal((await sv.sv(['-w', '5', 'up', 'd'])).code, 0);
  const d1 = await sv.ready('d');
  const down = await sv.sv(['-w', '5', 'down', 'd']);
  assert.equal(down.code, 0, down.stdout);
  assert.ok(sv.signals('d').includes(`TERM ${d1}`));
  const once = await sv.sv(['-w', '5', 'once', 'd']);
  assert.equal(once.code, 0, once.stdout);
  const d2 = await sv.ready('d', d1);
  assert.match((await sv.sv(['status', 'd'])).stdout, new RegExp(`^run: d: \\(pid ${d2}\\) \\d+s, normally down, want down\\n$`), `${sv.signals('d').join(',')}\n${sv.lines.join('\n')}`);
  assert.equal((await sv.sv(['term', 'd'])).code, 0);
  await sv.until('d', (s) => s.state === 'down', 'down after term with once');
  assert.ok(sv.signals('d').includes(`TERM ${d2}`));

  // force-stop on a TERM-ignoring service: kill after the wait, then down.
  const hard = await sv.ready('hard');
  const fs = await sv.sv(['-w', '2', 'force-stop', 'hard']);
  assert.equal(fs.code, 1, fs.stdout);
  assert.match(fs.stdout, /^kill: run: hard: \(pid \d+\) \d+s, want down, got TERM\n$/);
  await sv.until('hard', (s) => s.state === 'down' && s.pid === 0, 'down after force-stop');
  assert.ok(gone(hard));

  // exit: the service stops and svinit lets go of supervise/ (sv sees no supervisor).
  const ex = await sv.sv(['-w', '5', 'exit', 's']);
  assert.equal(ex.code, 0, ex.stdout);
  assert.equal(isAlive(sv.dir('s')).kind, 'not-running');
  assert.match((await sv.sv(['status', 's'])).stdout, /^fail: s: runsv not running\n$/);
  assert.ok(sv.alive, 'svinit still running');
});

test('LSB mode: an init.d symlink to sv gives 0 running, 3 down', OPTS, async (t) => {
  const initd = mkdtempSync(join(tmpdir(), 'svinit-initd-'));
  t.after(() => rmSync(initd, { recursive: true, force: true }));
  const sv = await Svinit.start(t, { lsb: { run: SLEEPER } });
  symlinkSync('/usr/bin/sv', join(initd, 'lsb'));
  await sv.ready('lsb');
  const env = { ...process.env, SVDIR: sv.tree.root };
  const up = await run(join(initd, 'lsb'), ['status'], { env });
  assert.equal(up.code, 0, up.stdout);
  assert.match(up.stdout, /^run: lsb: \(pid \d+\) \d+s\n$/);
  assert.equal((await run(join(initd, 'lsb'), ['-w', '5', 'stop'], { env })).code, 0);
  const down = await run(join(initd, 'lsb'), ['status'], { env });
  assert.equal(down.code, 3, down.stdout);
  assert.match(down.stdout, /^down: lsb: \d+s, normally up\n$/);
});
