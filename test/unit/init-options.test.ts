// The init's command line (svinit's own flags and runsvinit's) and the shutdown report's format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInitArgs, UsageError } from '../../src/init/options.js';
import { mapRunsvinitArgs } from '../../src/init/runsvinit-args.js';
import { formatReportJson, formatReportText, type ShutdownReport } from '../../src/shutdown/report.js';

function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const parsed = parseInitArgs(argv, env);
  assert.equal(parsed.kind, 'run');
  return parsed.kind === 'run' ? parsed.options : assert.fail('not a run');
}

test('defaults: /etc/service, 7 s, builtin, text report, reaping on', () => {
  assert.deepEqual(run([]), {
    dir: '/etc/service', dirGiven: false, services: true, graceMs: 7000, engine: 'builtin', verbosity: 'normal', reap: true,
    report: 'text', pdeathsig: null, stopSignals: [], command: null,
    initDirs: ['/etc/my_init.d', '/etc/cont-init.d', '/etc/svinit/init.d'], finishDirs: ['/etc/cont-finish.d', '/etc/svinit/finish.d'],
    envDirs: ['/etc/container_environment', '/etc/svinit/env'], hookTimeoutMs: 60_000, onHookFailure: 'stop', critical: [], http: null, logFormat: 'inherit',
    drainMs: 0, waitReadyMs: null,
  });
});

test('--drain SECONDS and --wait-ready[=SECONDS]: a bare --wait-ready takes no value (CMD follows it)', () => {
  assert.equal(run(['--drain', '2.5']).drainMs, 2500);
  assert.throws(() => parseInitArgs(['--drain', 'soon'], {}), /unable to use --drain "soon": give a number of seconds/);
  assert.throws(() => parseInitArgs(['--grace', '3', '--drain', '3'], {}), /it must be shorter than the grace \(3 s\)/);
  const bare = run(['--wait-ready', 'myapp', '--flag']);
  assert.equal(bare.waitReadyMs, Infinity);
  assert.deepEqual(bare.command?.argv, ['myapp', '--flag']);
  assert.equal(run(['--wait-ready=1.5', 'myapp']).waitReadyMs, 1500);
  assert.throws(() => parseInitArgs(['--wait-ready=x', 'myapp'], {}), /unable to use --wait-ready "x"/);
  assert.throws(() => parseInitArgs(['--wait-ready'], {}), /unable to use --wait-ready without a command/);
});

test('hooks and environment: --init-dir, --finish-dir, --env-dir replace the defaults, in order; --hook-timeout; --on-hook-failure', () => {
  const o = run(['--init-dir', 'a', '--init-dir=b', '--finish-dir', 'f', '--env-dir', 'e1', '--env-dir', 'e2', '--hook-timeout', '2.5', '--on-hook-failure', 'warn']);
  assert.deepEqual([o.initDirs, o.finishDirs, o.envDirs, o.hookTimeoutMs, o.onHookFailure], [['a', 'b'], ['f'], ['e1', 'e2'], 2500, 'warn']);
});

test('--log-prefix and --log-format', () => {
  assert.equal(run(['--log-prefix']).logFormat, 'prefix');
  assert.equal(run(['--log-format', 'json']).logFormat, 'json');
  assert.equal(run(['--log-prefix', '--log-format=text']).logFormat, 'prefix');
  assert.equal(run(['--log-format', 'text']).logFormat, 'inherit');
  assert.throws(() => parseInitArgs(['--log-format', 'xml'], {}), /--log-format "xml": choose text or json/);
});

test('--http [ADDR:]PORT: loopback by default, IPv4 or bracketed IPv6, port 0-65535; anything else is one usage line', () => {
  assert.deepEqual(run(['--http', '8080']).http, { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(run(['--http=0.0.0.0:9100']).http, { host: '0.0.0.0', port: 9100 });
  assert.deepEqual(run(['--http', '[::1]:0']).http, { host: '::1', port: 0 });
  for (const bad of ['', 'x', '80a', ':80', 'localhost:80', '1.2.3:80', '[1.2.3.4]:80', '::1:80', '70000', '8080:', '1.2.3.4:123456']) {
    assert.throws(() => parseInitArgs(['--http', bad], {}), (e: Error) => e instanceof UsageError && /unable to use --http/.test(e.message) && !e.message.includes('\n'), bad);
  }
  assert.throws(() => parseInitArgs(['--http', '70000'], {}), /port 70000 is above 65535/);
  assert.throws(() => parseInitArgs(['--engine', 'runit', '--http', '80'], {}), /unable to use --http with --engine runit/);
});

test('--critical NAME: repeatable, without duplicates; a path or a dot name is a usage error', () => {
  assert.deepEqual(run(['--critical', 'web', '--critical=db', '--critical', 'web']).critical, ['web', 'db']);
  assert.throws(() => parseInitArgs(['--critical', 'a/b'], {}), /unable to use --critical "a\/b": give the name of a service directory/);
  assert.throws(() => parseInitArgs(['--critical', '.x'], {}), UsageError);
  assert.throws(() => parseInitArgs(['--critical'], {}), /unable to use --critical: it needs a value/);
});

test('--stop-signal: names, numbers and real-time signals, repeatable, without duplicates; with or without CMD', () => {
  assert.deepEqual(run(['--stop-signal', 'RTMIN+3', '--stop-signal=SIGPWR', '--stop-signal', '28', '--stop-signal', 'pwr']).stopSignals, [37, 30, 28]);
  assert.deepEqual(run(['--stop-signal', 'WINCH', 'nginx']).stopSignals, [28]);
});

test('the service directory: --dir, else $SVDIR, else /etc/service', () => {
  assert.equal(run([], { SVDIR: '/srv/sv' }).dir, '/srv/sv');
  assert.equal(run(['--dir', '/x'], { SVDIR: '/srv/sv' }).dir, '/x');
  assert.equal(run(['--dir=/y']).dir, '/y');
});

test('--grace and $SVINIT_GRACE, in seconds with decimals; the flag wins', () => {
  assert.equal(run([], { SVINIT_GRACE: '25' }).graceMs, 25000);
  assert.equal(run(['--grace', '2.5'], { SVINIT_GRACE: '25' }).graceMs, 2500);
  for (const bad of ['0', '-1', 'soon', '1e3', '']) {
    assert.throws(() => parseInitArgs(['--grace', bad], {}), UsageError, bad);
  }
  assert.throws(() => parseInitArgs([], { SVINIT_GRACE: 'x' }), /SVINIT_GRACE "x"/);
});

test('every mistake is one line naming the flag and the fix', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--engine', 'systemd'], /--engine "systemd": choose builtin or runit/],
    [['--report', 'xml'], /--report "xml": choose text or json/],
    [['--frobnicate'], /"--frobnicate": unknown option \(see svinit --help\)/],
    [['--dir'], /--dir: it needs a value/],
    [['--'], /"--": give the command after it/],
    [['--no-services'], /--no-services without a command/],
    [['-c'], /without a command/],
    [['-r', 'TERM', 'x'], /-r "TERM": give two values joined by a colon, e.g. TERM:QUIT/],
    [['-r', 'FOO:TERM', 'x'], /-r: "FOO" is not a signal/],
    [['--exit-remap', '3:300', 'x'], /--exit-remap "300": give an exit code from 0 to 255/],
    [['-e', 'x', 'y'], /-e "x": give an exit code/],
    [['-p', '0', 'x'], /-p: "0" is not a signal/],
    [['--on-hook-failure', 'maybe'], /--on-hook-failure "maybe": choose stop, warn or ignore/],
    [['--hook-timeout', '0'], /--hook-timeout "0": give a number of seconds above 0, e.g. --hook-timeout 25/],
    [['--stop-signal', 'NOPE'], /--stop-signal: "NOPE" is not a signal/],
    [['--stop-signal', 'KILL'], /--stop-signal SIGKILL: it cannot be caught; choose another, e.g. RTMIN\+3 or PWR/],
    [['--stop-signal', 'CHLD'], /--stop-signal SIGCHLD: SIGCHLD belongs to the reaper/],
  ];
  for (const [argv, re] of cases) {
    assert.throws(() => parseInitArgs(argv, {}), (err: Error) => err instanceof UsageError && re.test(err.message) && !err.message.includes('\n'));
  }
});

test('flags: -v, -q, --no-reap, --engine runit, --report json, --help, --version', () => {
  const o = run(['-v', '--no-reap', '--engine', 'runit', '--report=json']);
  assert.deepEqual([o.verbosity, o.reap, o.engine, o.report], ['verbose', false, 'runit', 'json']);
  assert.equal(run(['-q']).verbosity, 'quiet');
  assert.equal(parseInitArgs(['--help'], {}).kind, 'help');
  assert.equal(parseInitArgs(['--version'], {}).kind, 'version');
});

test('runsvinit flags map to svinit flags; anything else is a usage error', () => {
  assert.deepEqual(mapRunsvinitArgs(['-debug', '-reap=false']), ['-v', '--no-reap']);
  assert.deepEqual(mapRunsvinitArgs(['-reap', '-reap=true']), []);
  assert.deepEqual(mapRunsvinitArgs(['--grace', '3']), ['--grace', '3']);
  assert.throws(() => mapRunsvinitArgs(['-reap=maybe']), UsageError);
  assert.throws(() => mapRunsvinitArgs(['--', 'x']), UsageError);
});

test('the report: a line per service, the total, and the same as one JSON object', () => {
  const report: ShutdownReport = {
    trigger: 'SIGTERM',
    graceMs: 7000,
    totalMs: 312,
    signalledMs: 1.2,
    command: null,
    services: [
      { name: 'db', signal: 'SIGTERM', ms: 305, status: 'exited 0', killed: false },
      { name: 'idle', signal: null, ms: null, status: null, killed: false },
      { name: 'idle/log', signal: null, ms: null, status: null, killed: false },
      { name: 'stuck', signal: 'SIGTERM', ms: 7001, status: 'killed by SIGKILL', killed: true },
    ],
    strays: { termed: 2, killed: 0 },
    failed: false,
    critical: null,
    exitCode: 102,
  };
  assert.deepEqual(formatReportText(report), [
    'svinit: shutdown: db: sent SIGTERM, gone after 305 ms, exited 0',
    'svinit: shutdown: idle: was not running',
    'svinit: shutdown: idle/log: was not running',
    'svinit: shutdown: stuck: sent SIGTERM, gone after 7001 ms, killed by SIGKILL, SIGKILLed at its deadline',
    'svinit: shutdown: SIGTERM: 3 service(s) and 1 log(s) stopped in 312 ms (grace 7000 ms), 1 SIGKILLed, 2 stray process(es) signalled, exit 102',
  ]);
  const json = JSON.parse(formatReportJson(report)) as Record<string, unknown>;
  assert.equal(json['svinit'], 'shutdown');
  assert.deepEqual(json['services'], report.services);
  assert.equal(json['exitCode'], 102);
});

test('the first argument that is not an option starts CMD; -- ends the options', () => {
  assert.deepEqual(run(['nginx', '-g', 'daemon off;']).command?.argv, ['nginx', '-g', 'daemon off;']);
  assert.deepEqual(run(['-v', '--', '-x', '--dir']).command?.argv, ['-x', '--dir']);
  assert.deepEqual(run(['--', '--', 'true']).command?.argv, ['--', 'true'], 'svinit -- -- true runs a program named --');
  // The init's options stop at CMD: what follows is CMD's.
  const o = run(['--dir', '/x', 'status', '--dir', '/y']);
  assert.equal(o.dir, '/x');
  assert.deepEqual(o.command?.argv, ['status', '--dir', '/y']);
  assert.equal(run([]).command, null);
  assert.equal(run(['-']).command?.argv[0], '-');
});

test('main-command flags: tini and dumb-init aliases', () => {
  const o = run(['-s', '-c', '-g', '-r', 'TERM:QUIT', '--rewrite=USR2:0', '-r', '10:12', '-e', '143', '--exit-remap', '3:0', '-p', 'SIGUSR1', '--no-services', 'app']);
  assert.equal(o.services, false);
  assert.equal(o.pdeathsig, 10);
  const c = o.command;
  assert.ok(c !== null);
  assert.equal(c.singleChild, true);
  assert.equal(c.killGroup, true);
  assert.deepEqual([...c.rewrite], [[15, 3], [12, 0], [10, 12]]);
  assert.deepEqual([...c.exitRemap], [[143, 0], [3, 0]]);
  assert.equal(run(['--dir', '/srv']).dirGiven, true);
  assert.equal(run([], { SVDIR: '/srv' }).dirGiven, true);
});
