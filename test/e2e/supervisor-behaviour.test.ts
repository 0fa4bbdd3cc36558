// svinit's supervisor behaviour, end to end through real processes: ./finish arguments, the
// non-blocking 1 s restart throttle, the log pipe surviving logger restarts, control/ overrides
// (with their timeout), and the s6 extras down-signal, timeout-kill and timeout-finish.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sendControl } from '../../src/protocol/client.js';
import { NO_RUNIT, READY, SLEEPER, Svinit, TRAPS, gone, procState, waitUntil } from './supervisor-harness.js';

const OPTS = { skip: NO_RUNIT, timeout: 120_000 };

test('./finish gets runit\'s two arguments', OPTS, async (t) => {
  const finish = '#!/bin/sh\necho "$1 $2" >> args\n';
  const sv = await Svinit.start(t, {
    ex3: { run: '#!/bin/sh\nexit 3\n', finish, down: ['', 0o644] },
    termd: { run: SLEEPER, finish },
  });
  assert.equal((await sv.sv(['once', 'ex3'])).code, 0);
  await waitUntil(() => sv.read('ex3', 'args') !== null, 10_000, 'ex3 finish ran');
  await sv.until('ex3', (s) => s.state === 'down', 'ex3 down');
  assert.equal(sv.read('ex3', 'args'), '3 0\n');
  await sv.ready('termd');
  assert.equal((await sv.sv(['-w', '5', 'down', 'termd'])).code, 0);
  assert.equal(sv.read('termd', 'args'), '-1 15\n');
});

test('a crash loop restarts once a second and never delays another service', OPTS, async (t) => {
  const sv = await Svinit.start(t, {
    crash: { run: '#!/bin/sh\ndate +%s%N >> starts\nexit 1\n' },
    calm: { run: SLEEPER },
  });
  const starts = (): number[] => (sv.read('crash', 'starts') ?? '').split('\n').filter((l) => l !== '').map((l) => Number(l) / 1e6);
  await waitUntil(() => starts().length >= 2, 15_000, 'crash loop under way');
  const lat: number[] = [];
  let pid = 0;
  for (let i = 0; i < 5; i++) {
    pid = await sv.ready('calm', pid);
    const t0 = performance.now();
    assert.equal(sendControl(sv.dir('calm'), 'd').kind, 'sent');
    await sv.until('calm', (s) => s.state === 'down' && s.pid === 0, 'calm down');
    lat.push(performance.now() - t0);
    assert.ok(gone(pid), `${pid} ${procState(pid)}\n${sv.lines.join('\n')}`);
    assert.equal(sendControl(sv.dir('calm'), 'u').kind, 'sent');
  }
  await waitUntil(() => starts().length >= 5, 20_000, 'five starts');
  const s = starts();
  const gaps = s.slice(1).map((v, i) => v - (s[i] as number));
  t.diagnostic(`crash loop gaps ms: ${gaps.map((g) => g.toFixed(0)).join(' ')}; calm down latency ms: ${lat.map((l) => l.toFixed(0)).join(' ')}`);
  for (const g of gaps) assert.ok(g >= 900, `starts at least ~1 s apart: ${g.toFixed(0)} ms`);
  // A down takes tens of ms; one held up by the crash loop's 1 s throttle would wait up to 1 s.
  const sorted = [...lat].sort((a, b) => a - b);
  assert.ok((sorted[2] as number) < 400, `median sv down latency ${sorted[2]} ms < 400 ms`);
  for (const l of lat) assert.ok(l < 900, `never blocked by the other service's throttle: ${l.toFixed(0)} ms`);
});

test('the log pipe keeps every line across logger restarts', OPTS, async (t) => {
  const N = 300;
  // The logger takes 70 lines and exits, between two lines (sh's read takes one byte at a time,
  // so it never holds more than the line it is on): every line it did not take must still be in
  // svinit's pipe when the next logger starts, a throttled restart later. (A logger killed with
  // SIGKILL may lose what it had read but not yet written; that loss is the logger's, not the pipe's.)
  const sv = await Svinit.start(t, {
    talk: {
      run: `#!/bin/sh\n${READY}\ni=0\nwhile [ $i -lt ${N} ]; do i=$((i+1)); echo $i; sleep 0.01; done\ntouch done\nexec sleep 1000\n`,
      'log/run': `#!/bin/sh\n${READY}\nn=0\nwhile [ $n -lt 70 ] && IFS= read -r l; do echo "$$ $l" >> out; n=$((n+1)); done\nexit 0\n`,
    },
  });
  const entries = (): string[][] => (sv.read('talk/log', 'out') ?? '').split('\n').filter((l) => l !== '').map((l) => l.split(' '));
  await waitUntil(() => sv.read('talk', 'done') !== null && entries().length >= N, 30_000, 'all lines');
  assert.deepEqual(entries().map((e) => e[1]), Array.from({ length: N }, (_, i) => String(i + 1)));
  const loggers = new Set(entries().map((e) => e[0]));
  t.diagnostic(`${loggers.size} logger processes carried ${N} lines`);
  assert.ok(loggers.size >= 4, `the logger restarted at least 3 times (${loggers.size} pids)`);
  assert.equal(sv.status('talk')?.state, 'run', 'the service never saw EPIPE');
});

test('control/ overrides: h handled, d after TERM, a hanging t is killed and svinit stays responsive', OPTS, async (t) => {
  const sv = await Svinit.start(t, {
    ov: {
      run: TRAPS,
      'control/h': '#!/bin/sh\necho h >> ran\nexit 0\n',
      'control/t': '#!/bin/sh\necho t >> ran\nexit 1\n',
      'control/d': '#!/bin/sh\ncat supervise/stat >> ran\n',
    },
    hang: { run: TRAPS, 'control/t': '#!/bin/sh\necho $$ > tpid\nexec sleep 1000\n' },
    other: { run: TRAPS },
  });
  const pid = await sv.ready('ov');
  assert.equal((await sv.sv(['hup', 'ov'])).code, 0);
  assert.equal((await sv.sv(['alarm', 'ov'])).code, 0);
  await waitUntil(() => sv.signals('ov').includes(`ALRM ${pid}`), 10_000, 'ALRM after the handled HUP');
  assert.ok(!sv.signals('ov').some((l) => l.startsWith('HUP')), 'control/h exit 0 suppressed HUP');
  assert.equal(sv.read('ov', 'ran'), 'h\n');
  const down = await sv.sv(['-w', '5', 'down', 'ov']);
  assert.equal(down.code, 0, down.stdout);
  await waitUntil(() => (sv.read('ov', 'ran') ?? '').split('\n').length >= 4, 10_000, 'control/d ran');
  // control/t ran first (exit 1: not handled), then the TERM, then control/d saw "got TERM".
  assert.match(sv.read('ov', 'ran') ?? '', /^h\nt\n(run, got TERM, want down|down)\n$/);
  assert.ok(sv.signals('ov').includes(`TERM ${pid}`));

  const hangPid = await sv.ready('hang');
  const otherPid = await sv.ready('other');
  const t0 = Date.now();
  assert.equal((await sv.sv(['down', 'hang'])).code, 0);
  const tpid = Number(await waitFor(() => (sv.read('hang', 'tpid') ?? '').trim()));
  // While control/t hangs (5 s), svinit serves everything else: the HUP arrives while it still runs.
  assert.equal((await sv.sv(['hup', 'other'])).code, 0);
  await waitUntil(() => sv.signals('other').includes(`HUP ${otherPid}`), 15_000, 'other service got HUP');
  assert.ok(!gone(tpid), 'the HUP was served while control/t still hung');
  assert.match((await sv.sv(['status', 'hang'])).stdout, /^run: hang: \(pid \d+\) \d+s, want down\n$/);
  await sv.until('hang', (s) => s.state === 'down', 'hang down after the override timeout', 30_000);
  const took = Date.now() - t0;
  assert.ok(took >= 4500, `control/t killed only after its timeout (${took} ms)`);
  assert.ok(gone(tpid), 'control/t was killed');
  assert.ok(sv.signals('hang').includes(`TERM ${hangPid}`), 'not handled: TERM sent');
  await sv.waitLog(/hang: control\/t ran longer than 5000 ms; killing it/);
});

test('s6 extras: down-signal, timeout-kill to the group, timeout-finish', OPTS, async (t) => {
  const sv = await Svinit.start(t, {
    intr: { run: TRAPS.replace("trap 'on TERM", "trap 'on INT; kill $k 2>/dev/null; exit 0' INT\ntrap 'on TERM"), 'down-signal': ['SIGINT\n', 0o644] },
    stubborn: {
      run: `#!/bin/sh\ntrap '' TERM\nsleep 1000 &\necho $! > child\n${READY}\nexec sleep 1000\n`,
      'timeout-kill': ['400\n', 0o644],
    },
    slowfin: { run: SLEEPER, finish: '#!/bin/sh\necho $$ > fin\nexec sleep 1000\n', 'timeout-finish': ['600\n', 0o644] },
  });
  const ipid = await sv.ready('intr');
  assert.equal((await sv.sv(['-w', '5', 'down', 'intr'])).code, 0);
  assert.ok(sv.signals('intr').includes(`INT ${ipid}`), 'SIGINT delivered');
  assert.ok(!sv.signals('intr').some((l) => l.startsWith('TERM')), 'no TERM');

  const spid = await sv.ready('stubborn');
  const child = Number((sv.read('stubborn', 'child') ?? '').trim());
  const t0 = Date.now();
  assert.equal(sendControl(sv.dir('stubborn'), 'd').kind, 'sent');
  await waitUntil(() => gone(spid) && gone(child), 10_000, 'service and its child SIGKILLed');
  const took = Date.now() - t0;
  assert.ok(took >= 350, `not before timeout-kill (${took} ms)`);
  await sv.until('stubborn', (s) => s.state === 'down', 'stubborn down');
  await sv.waitLog(/stubborn: .*SIGKILL|stubborn: .*kill/i);

  await sv.ready('slowfin');
  const t1 = Date.now();
  assert.equal(sendControl(sv.dir('slowfin'), 'd').kind, 'sent');
  const fin = Number(await waitFor(() => (sv.read('slowfin', 'fin') ?? '').trim()));
  await sv.until('slowfin', (s) => s.state === 'down', 'down after the finish timeout');
  assert.ok(Date.now() - t1 >= 550, 'finish was given its time');
  await waitUntil(() => gone(fin), 5000, 'finish killed');
  await sv.waitLog(/slowfin: .*finish/);
  assert.ok(readFileSync(sv.file('slowfin', 'supervise/stat'), 'utf8') === 'down\n');
});

async function waitFor(probe: () => string): Promise<string> {
  let v = '';
  await waitUntil(() => (v = probe()) !== '', 15_000, 'value');
  return v;
}
