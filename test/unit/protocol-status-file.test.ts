import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../src/protocol/errors.js';
import type { ServiceRecord } from '../../src/protocol/status-file.js';
import { decodeStatus, encodeStatus, pidText, statText, toSuperviseStatus } from '../../src/protocol/status-file.js';

// Spec §3.3 worked example (bytes observed from Debian runsv).
const EXAMPLE = Buffer.from('400000006b0b60a4103fe78c1b6d000000750001', 'hex');

test('the §3.3 worked example decodes to unix 1795907738, pid 27931, want u, state run', () => {
  assert.deepEqual(decodeStatus(EXAMPLE), {
    seconds: 1795907738, nanos: 272623500, pid: 27931, paused: false, want: 'u', gotTerm: false, state: 'run',
  });
});

test('encoding the worked example gives exactly its 20 bytes', () => {
  const bytes = encodeStatus({ seconds: 1795907738, nanos: 272623500, pid: 27931, paused: false, want: 'u', gotTerm: false, state: 'run' });
  assert.equal(bytes.toString('hex'), EXAMPLE.toString('hex'));
});

// Golden table: every state x paused x gotTerm x want, with the stat line (§3.4) and status
// bytes 16..19 (paused, want char, term, state; want exit is stored as 'd').
const GOLDEN: ReadonlyArray<[ServiceRecord['state'], boolean, boolean, ServiceRecord['want'], string, string]> = [
  ['down', false, false, 'up', 'down\n', '00750000'],
  ['down', false, false, 'down', 'down\n', '00640000'],
  ['down', false, false, 'exit', 'down\n', '00640000'],
  ['down', false, true, 'up', 'down, got TERM\n', '00750100'],
  ['down', false, true, 'down', 'down, got TERM\n', '00640100'],
  ['down', false, true, 'exit', 'down, got TERM\n', '00640100'],
  ['down', true, false, 'up', 'down, paused\n', '01750000'],
  ['down', true, false, 'down', 'down, paused\n', '01640000'],
  ['down', true, false, 'exit', 'down, paused\n', '01640000'],
  ['down', true, true, 'up', 'down, paused, got TERM\n', '01750100'],
  ['down', true, true, 'down', 'down, paused, got TERM\n', '01640100'],
  ['down', true, true, 'exit', 'down, paused, got TERM\n', '01640100'],
  ['run', false, false, 'up', 'run\n', '00750001'],
  ['run', false, false, 'down', 'run, want down\n', '00640001'],
  ['run', false, false, 'exit', 'run, want exit\n', '00640001'],
  ['run', false, true, 'up', 'run, got TERM\n', '00750101'],
  ['run', false, true, 'down', 'run, got TERM, want down\n', '00640101'],
  ['run', false, true, 'exit', 'run, got TERM, want exit\n', '00640101'],
  ['run', true, false, 'up', 'run, paused\n', '01750001'],
  ['run', true, false, 'down', 'run, paused, want down\n', '01640001'],
  ['run', true, false, 'exit', 'run, paused, want exit\n', '01640001'],
  ['run', true, true, 'up', 'run, paused, got TERM\n', '01750101'],
  ['run', true, true, 'down', 'run, paused, got TERM, want down\n', '01640101'],
  ['run', true, true, 'exit', 'run, paused, got TERM, want exit\n', '01640101'],
  ['finish', false, false, 'up', 'finish\n', '00750002'],
  ['finish', false, false, 'down', 'finish, want down\n', '00640002'],
  ['finish', false, false, 'exit', 'finish, want exit\n', '00640002'],
  ['finish', false, true, 'up', 'finish, got TERM\n', '00750102'],
  ['finish', false, true, 'down', 'finish, got TERM, want down\n', '00640102'],
  ['finish', false, true, 'exit', 'finish, got TERM, want exit\n', '00640102'],
  ['finish', true, false, 'up', 'finish, paused\n', '01750002'],
  ['finish', true, false, 'down', 'finish, paused, want down\n', '01640002'],
  ['finish', true, false, 'exit', 'finish, paused, want exit\n', '01640002'],
  ['finish', true, true, 'up', 'finish, paused, got TERM\n', '01750102'],
  ['finish', true, true, 'down', 'finish, paused, got TERM, want down\n', '01640102'],
  ['finish', true, true, 'exit', 'finish, paused, got TERM, want exit\n', '01640102'],
];

test('golden stat text and status bytes for every state x flag x want combination', () => {
  assert.equal(GOLDEN.length, 3 * 2 * 2 * 3);
  for (const [state, paused, gotTerm, want, stat, tail] of GOLDEN) {
    const record: ServiceRecord = { seconds: 1795907738, nanos: 272623500, pid: state === 'down' ? 0 : 27931, paused, want, gotTerm, state };
    const label = `${state} paused=${paused} term=${gotTerm} want=${want}`;
    assert.equal(statText(record), stat, label);
    const bytes = encodeStatus(toSuperviseStatus(record));
    assert.equal(bytes.length, 20, label);
    const pidHex = state === 'down' ? '00000000' : '1b6d0000';
    assert.equal(bytes.toString('hex'), `400000006b0b60a4103fe78c${pidHex}${tail}`, label);
    const back = decodeStatus(bytes);
    assert.deepEqual(back, { ...toSuperviseStatus(record) }, label);
    assert.equal(back.want, want === 'up' ? 'u' : 'd', label);
  }
});

test('decodeStatus throws ERR_PROTOCOL_BAD_FORMAT unless given exactly 20 bytes', () => {
  for (const size of [0, 1, 19, 21, 40]) {
    assert.throws(() => decodeStatus(Buffer.alloc(size)), (err: unknown) => {
      assert.ok(err instanceof ProtocolError);
      assert.equal(err.code, 'ERR_PROTOCOL_BAD_FORMAT');
      assert.match(err.message, /^unable to decode supervise\/status: bad format/);
      return true;
    }, `size ${size}`);
  }
});

test('an unknown state byte is a bad format', () => {
  const bytes = Buffer.from(EXAMPLE);
  bytes[19] = 3;
  assert.throws(() => decodeStatus(bytes), { code: 'ERR_PROTOCOL_BAD_FORMAT' });
});

test('flag bytes read like sv: any non-zero is set, any want other than u is down', () => {
  const bytes = Buffer.from(EXAMPLE);
  bytes[16] = 7;
  bytes[17] = 0x78; // 'x' is not written by runsv, and sv treats it as "not up"
  bytes[18] = 2;
  const s = decodeStatus(bytes);
  assert.equal(s.paused, true);
  assert.equal(s.want, 'd');
  assert.equal(s.gotTerm, true);
});

test('decodeStatus reads a subarray at a non-zero offset', () => {
  const big = Buffer.concat([Buffer.from('xyz'), EXAMPLE]);
  assert.equal(decodeStatus(big.subarray(3)).pid, 27931);
});

test('the encoder refuses pids and nanos that do not fit the record', () => {
  const base = { seconds: 1, nanos: 500, pid: 1, paused: false, want: 'u' as const, gotTerm: false, state: 'run' as const };
  assert.throws(() => encodeStatus({ ...base, pid: -1 }), RangeError);
  assert.throws(() => encodeStatus({ ...base, pid: 2 ** 32 }), RangeError);
  assert.throws(() => encodeStatus({ ...base, nanos: 1.5 }), RangeError);
});

test('pid text is the decimal pid and a newline, or empty without a child', () => {
  assert.equal(pidText(27931), '27931\n');
  assert.equal(pidText(0), '');
});
