// The spawn path from the outside: what a child really gets (/proc), and how failures surface.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, chmodSync, mkdirSync, openSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, type SpawnOptions } from '../../src/process/spawn.js';
import { getNofile, pipeCloexec, setCloexec, setNonblocking, waitpid } from '../../src/native/native.js';
import { SyscallError } from '../../src/native/errors.js';
import { procFixture, scratchDir } from '../helpers/fixtures.js';
import { LineReader } from '../helpers/lines.js';
import {
  O_NONBLOCK, classicSignalBits, fdFlags, fdTarget, nofileOf, openFds, procStat, procStatus, zombiesOf,
} from '../helpers/proc.js';

interface Held {
  readonly pid: number;
  /** Closes the child's stdin (it then exits) and returns its raw wait status. */
  stop(): number;
}

/** Starts `proc-fixture hold` with its stdin/stdout on pipes and waits for its ready line. */
async function hold(extra: Partial<SpawnOptions> = {}, prepare?: (inR: number, outW: number) => void): Promise<Held> {
  const fixture = procFixture();
  const [inR, inW] = pipeCloexec();
  const [outR, outW] = pipeCloexec();
  prepare?.(inR, outW);
  let pid: number;
  try {
    pid = spawn({ file: fixture, argv: [fixture, 'hold'], ...extra, stdio: [inR, outW, extra.stdio?.[2] ?? 'inherit'] });
  } finally {
    closeSync(inR);
    closeSync(outW);
  }
  const reader = new LineReader(outR);
  try {
    assert.equal(await reader.next(), `ready ${pid}`);
  } catch (err) {
    closeSync(inW);
    reader.close();
    throw err;
  }
  return {
    pid,
    stop(): number {
      closeSync(inW);
      reader.close();
      return (waitpid(pid, false) as { status: number }).status;
    },
  };
}

test('the child gets a clean slate: default signals, empty mask, only fds 0-2, blocking stdio', async () => {
  // Sanity: the test process (Node) really ignores SIGPIPE (13) and SIGXFSZ (25), so a
  // child that inherited dispositions blindly would show them.
  const own = classicSignalBits(procStatus(process.pid).get('SigIgn') as string);
  assert.ok(own & (1 << 12) && own & (1 << 24), `Node's own SigIgn should include PIPE and XFSZ (${own.toString(16)})`);
  // A stray fd that is not close-on-exec must still not reach the child.
  const stray = openSync('/dev/null', 'r');
  setCloexec(stray, false);
  const child = await hold({}, (inR, outW) => {
    setNonblocking(inR, true);
    setNonblocking(outW, true);
  });
  try {
    const st = procStatus(child.pid);
    assert.equal(BigInt(`0x${st.get('SigIgn')}`), 0n, `SigIgn ${st.get('SigIgn')}`);
    assert.equal(BigInt(`0x${st.get('SigBlk')}`), 0n, `SigBlk ${st.get('SigBlk')}`);
    assert.deepEqual(openFds(child.pid), [0, 1, 2]);
    assert.equal(fdFlags(child.pid, 0) & O_NONBLOCK, 0, 'stdin must be blocking');
    assert.equal(fdFlags(child.pid, 1) & O_NONBLOCK, 0, 'stdout must be blocking');
  } finally {
    closeSync(stray);
    assert.equal(child.stop(), 0);
  }
});

test('extraFds become fds 3.. and nothing else is added', async () => {
  const file = join(scratchDir(), 'extra.txt');
  writeFileSync(file, 'x');
  const fd = openSync(file, 'r');
  const child = await hold({ extraFds: [fd], stdio: ['inherit', 'inherit', 'null'] });
  try {
    assert.deepEqual(openFds(child.pid), [0, 1, 2, 3]);
    assert.equal(fdTarget(child.pid, 3), file);
    assert.equal(fdTarget(child.pid, 2), '/dev/null');
  } finally {
    child.stop();
    closeSync(fd);
  }
});

test("an extra fd 'closed' stays closed in the child: a notification-fd of 5 is fd 5 alone", async () => {
  const file = join(scratchDir(), 'extra-closed.txt');
  writeFileSync(file, 'x');
  const fd = openSync(file, 'r');
  const child = await hold({ extraFds: ['closed', 'closed', fd], stdio: ['inherit', 'inherit', 'null'] });
  try {
    assert.deepEqual(openFds(child.pid), [0, 1, 2, 5]);
    assert.equal(fdTarget(child.pid, 5), file);
  } finally {
    child.stop();
    closeSync(fd);
  }
});

test('session and process group are as requested', async () => {
  const me = procStat(process.pid);
  assert.ok(me !== null);
  const plain = await hold();
  const session = await hold({ session: true });
  const leader = await hold({ pgroup: 0 });
  const member = await hold({ pgroup: leader.pid });
  try {
    assert.deepEqual([procStat(plain.pid)?.pgrp, procStat(plain.pid)?.session], [me.pgrp, me.session]);
    assert.deepEqual([procStat(session.pid)?.pgrp, procStat(session.pid)?.session], [session.pid, session.pid]);
    assert.deepEqual([procStat(leader.pid)?.pgrp, procStat(leader.pid)?.session], [leader.pid, me.session]);
    assert.deepEqual([procStat(member.pid)?.pgrp, procStat(member.pid)?.session], [leader.pid, me.session]);
  } finally {
    for (const c of [member, leader, session, plain]) c.stop();
  }
});

test('umask, cwd and the environment are exactly as given', async () => {
  const dir = join(scratchDir(), 'cwd dir');
  mkdirSync(dir, { recursive: true });
  const child = await hold({ umask: 0o027, cwd: dir, env: { A: '1', B: 'two words', C: undefined, D: '' } });
  try {
    assert.equal(procStatus(child.pid).get('Umask'), '0027');
    assert.equal(readlinkSync(`/proc/${child.pid}/cwd`), dir);
    assert.equal(readFileSync(`/proc/${child.pid}/environ`, 'latin1'), 'A=1\0B=two words\0D=\0');
  } finally {
    child.stop();
  }
  const listed = await hold({ env: ['X=y', 'PATH=/nowhere'] });
  try {
    assert.equal(readFileSync(`/proc/${listed.pid}/environ`, 'latin1'), 'X=y\0PATH=/nowhere\0');
  } finally {
    listed.stop();
  }
});

test('RLIMIT_NOFILE is set as asked', async () => {
  const { hard } = getNofile();
  const soft = await hold({ nofile: 777 });
  const both = await hold({ nofile: { soft: 500, hard: 600 } });
  const keep = await hold({ nofile: 'keep' });
  try {
    assert.deepEqual(nofileOf(soft.pid), ['777', String(hard)]);
    assert.deepEqual(nofileOf(both.pid), ['500', '600']);
    assert.deepEqual(nofileOf(keep.pid), nofileOf(process.pid));
  } finally {
    for (const c of [soft, both, keep]) c.stop();
  }
  assert.throws(() => spawn({ file: procFixture(), argv: ['x', 'exit', '0'], nofile: { soft: 100, hard: 50 } }), {
    name: 'SyscallError', code: 'EINVAL', syscall: 'setrlimit',
  });
  assert.deepEqual(zombiesOf(process.pid), []);
});

test('uid, gid and supplementary groups are applied (root only)', async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('needs root to change ids');
    return;
  }
  const explicit = await hold({ uid: 65534, gid: 65534, groups: [65534, 100] });
  const implied = await hold({ uid: 65534, gid: 65533 });
  try {
    const st = procStatus(explicit.pid);
    assert.equal(st.get('Uid'), '65534\t65534\t65534\t65534');
    assert.equal(st.get('Gid'), '65534\t65534\t65534\t65534');
    assert.equal(st.get('Groups'), '100 65534'); // the kernel keeps them sorted
    // As root, setting ids without groups drops root's supplementary groups.
    assert.equal(procStatus(implied.pid).get('Groups'), '65533');
  } finally {
    explicit.stop();
    implied.stop();
  }
});

test('exec failures throw SyscallError at spawn time and leave no zombie', () => {
  const dir = scratchDir();
  const plain = join(dir, 'not-executable');
  writeFileSync(plain, '#!/bin/sh\nexit 0\n');
  chmodSync(plain, 0o644);
  const noShebang = join(dir, 'no-shebang');
  writeFileSync(noShebang, 'exit 0\n');
  chmodSync(noShebang, 0o755);
  const cases: Array<[string, Partial<SpawnOptions>, string, string, string]> = [
    [join(dir, 'missing'), {}, 'ENOENT', 'execve', join(dir, 'missing')],
    [plain, {}, 'EACCES', 'execve', plain],
    [dir, {}, 'EACCES', 'execve', dir],
    [noShebang, {}, 'ENOEXEC', 'execve', noShebang],
    [procFixture(), { cwd: join(dir, 'no-such-dir') }, 'ENOENT', 'chdir', join(dir, 'no-such-dir')],
  ];
  for (const [file, extra, code, syscall, path] of cases) {
    assert.throws(
      () => spawn({ file, argv: [file], ...extra }),
      (err: unknown) => {
        assert.ok(err instanceof SyscallError, String(err));
        assert.deepEqual([err.code, err.syscall, err.path], [code, syscall, path]);
        assert.match(err.message, new RegExp(`^unable to ${syscall} .+: ${code} \\(.+\\)$`));
        return true;
      },
    );
  }
  assert.deepEqual(zombiesOf(process.pid), []);
});

test('bad options are refused before anything is forked', () => {
  assert.throws(() => spawn({ file: '' }), { code: 'ERR_SPAWN_OPTIONS' });
  assert.throws(() => spawn({ file: '/bin/true', session: true, pgroup: 0 }), { code: 'ERR_SPAWN_OPTIONS' });
  assert.throws(() => spawn({ file: '/bin/true', env: { 'A=B': 'x' } }), { code: 'ERR_SPAWN_OPTIONS' });
  assert.throws(() => spawn({ file: '/bin/true', umask: 0o1000 }), { code: 'ERR_SPAWN_OPTIONS' });
  assert.throws(() => spawn({ file: '/bin/tr\0ue' }), { code: 'ERR_INVALID_ARG_TYPE' });
});
