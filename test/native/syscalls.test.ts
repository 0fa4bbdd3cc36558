// The small syscalls of native.ts against the real kernel, and the error and loader contracts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  flock, getNofile, getpid, getppid, isChildSubreaper, kill, killMany, killpg, mkfifo, pipeCloexec, setChildSubreaper,
  setCloexec, setNonblocking, spawnRaw, waitpid, addon,
} from '../../src/native/native.js';
import { SyscallError } from '../../src/native/errors.js';
import { addonCandidates, loadAddon } from '../../src/native/loader.js';
import { spawn, toRawOptions } from '../../src/process/spawn.js';
import { procFixture, scratchDir } from '../helpers/fixtures.js';
import { nofileOf } from '../helpers/proc.js';

const O_CLOEXEC = 0o2000000;
const O_NONBLOCK = 0o4000;
function selfFlags(fd: number): number {
  const m = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  return parseInt(m?.[1] ?? 'x', 8);
}

test('getpid, getppid, getNofile agree with the kernel', () => {
  assert.equal(getpid(), process.pid);
  assert.equal(getppid(), process.ppid);
  const [soft, hard] = nofileOf(process.pid);
  const n = getNofile();
  assert.deepEqual([String(n.soft === Infinity ? 'unlimited' : n.soft), String(n.hard === Infinity ? 'unlimited' : n.hard)], [soft, hard]);
});

test('child subreaper can be switched on and off', () => {
  const before = isChildSubreaper();
  setChildSubreaper(true);
  assert.equal(isChildSubreaper(), true);
  setChildSubreaper(false);
  assert.equal(isChildSubreaper(), false);
  setChildSubreaper(before);
});

test('kill and killpg: true when delivered, false on ESRCH, SyscallError otherwise', () => {
  const fixture = procFixture();
  // Two sleepers in one new process group, then the whole group is signalled.
  const [inR, inW] = pipeCloexec(); // stdin that never reaches EOF: they hold until signalled
  const leader = spawn({ file: fixture, argv: [fixture, 'hold'], stdio: [inR, 'null', 'inherit'], pgroup: 0 });
  const member = spawn({ file: fixture, argv: [fixture, 'hold'], stdio: [inR, 'null', 'inherit'], pgroup: leader });
  closeSync(inR);
  assert.equal(killpg(leader, 15), true);
  assert.equal(waitpid(leader, false)?.status, 15);
  assert.equal(waitpid(member, false)?.status, 15);
  closeSync(inW);
  assert.equal(killpg(leader, 15), false);
  assert.equal(kill(leader, 0), false);
  assert.equal(kill(process.pid, 0), true);
  assert.throws(() => kill(process.pid, 99), { name: 'SyscallError', code: 'EINVAL', syscall: 'kill' });
  assert.throws(() => killpg(0, 15), { code: 'EINVAL', syscall: 'killpg' });
});

test('killMany: each (pid, sig, group) in order in one call; false on ESRCH, the first other error thrown after the batch', () => {
  const fixture = procFixture();
  const [inR, inW] = pipeCloexec();
  const alone = spawn({ file: fixture, argv: [fixture, 'hold'], stdio: [inR, 'null', 'inherit'], pgroup: 0 });
  const leader = spawn({ file: fixture, argv: [fixture, 'hold'], stdio: [inR, 'null', 'inherit'], pgroup: 0 });
  const member = spawn({ file: fixture, argv: [fixture, 'hold'], stdio: [inR, 'null', 'inherit'], pgroup: leader });
  closeSync(inR);
  assert.deepEqual(killMany([]), []);
  // STOP then CONT to the single pid leaves it running; TERM to the group takes both members.
  assert.deepEqual(killMany([
    { pid: alone, sig: 19, group: false }, { pid: alone, sig: 18, group: false }, { pid: leader, sig: 15, group: true },
  ]), [true, true, true]);
  assert.equal(waitpid(leader, false)?.status, 15);
  assert.equal(waitpid(member, false)?.status, 15);
  assert.equal(waitpid(alone, true), null);
  assert.deepEqual(killMany([{ pid: leader, sig: 15, group: true }, { pid: alone, sig: 9, group: false }]), [false, true]);
  assert.equal(waitpid(alone, false)?.status, 9);
  closeSync(inW);
  // pid <= 0 never reaches kill(2) (no "my group", no "everything"); the valid order is still sent.
  assert.throws(() => killMany([{ pid: -1, sig: 0, group: false }]), { code: 'EINVAL', syscall: 'kill' });
  assert.throws(() => killMany([{ pid: process.pid, sig: 0, group: false }, { pid: 0, sig: 15, group: true }]),
    { code: 'EINVAL', syscall: 'killpg' });
  assert.throws(() => (addon().killMany as (x: unknown) => unknown)([1, 2, 3]), { name: 'TypeError' });
  assert.throws(() => addon().killMany(new Int32Array(4)), { name: 'TypeError' });
});

test('mkfifo creates a FIFO, returns false if the path exists, throws with the path otherwise', () => {
  const dir = scratchDir();
  const path = join(dir, 'control');
  assert.equal(mkfifo(path, 0o600), true);
  const st = statSync(path);
  assert.equal(st.isFIFO(), true);
  assert.equal(st.mode & 0o777, 0o600 & ~process.umask());
  assert.equal(mkfifo(path, 0o600), false);
  const missing = join(dir, 'nope', 'control');
  assert.throws(() => mkfifo(missing, 0o600), (err: unknown) => {
    assert.ok(err instanceof SyscallError);
    assert.equal(err.message, `unable to mkfifo ${missing}: ENOENT (No such file or directory)`);
    assert.deepEqual([err.code, err.errno, err.syscall, err.path], ['ENOENT', 2, 'mkfifo', missing]);
    return true;
  });
});

test('flock: exclusive-nb fails softly while another open file holds it, across processes too', () => {
  const path = join(scratchDir(), 'lock');
  const a = openSync(path, 'w');
  const b = openSync(path, 'r');
  try {
    assert.equal(flock(a, 'exclusive-nb'), true);
    assert.equal(flock(b, 'exclusive-nb'), false);
    if (existsSync('/usr/bin/flock')) {
      // util-linux flock(1) in another process sees the same lock.
      const pid = spawn({ file: '/usr/bin/flock', argv: ['flock', '-n', path, 'true'], stdio: ['null', 'null', 'null'] });
      assert.equal(waitpid(pid, false)?.status, 1 << 8);
    }
    assert.equal(flock(a, 'unlock'), true);
    assert.equal(flock(b, 'exclusive'), true);
    assert.throws(() => flock(9999, 'exclusive'), { code: 'EBADF', syscall: 'flock' });
  } finally {
    closeSync(a);
    closeSync(b);
  }
});

test('pipeCloexec, setNonblocking and setCloexec change what the kernel shows', () => {
  const [r, w] = pipeCloexec();
  try {
    assert.ok(selfFlags(r) & O_CLOEXEC && selfFlags(w) & O_CLOEXEC);
    assert.equal(writeSync(w, 'x'), 1);
    const buf = Buffer.alloc(1);
    assert.equal(readSync(r, buf), 1);
    assert.equal(selfFlags(r) & O_NONBLOCK, 0);
    setNonblocking(r, true);
    assert.equal(selfFlags(r) & O_NONBLOCK, O_NONBLOCK);
    setNonblocking(r, false);
    assert.equal(selfFlags(r) & O_NONBLOCK, 0);
    setCloexec(w, false);
    assert.equal(selfFlags(w) & O_CLOEXEC, 0);
    setCloexec(w, true);
    assert.equal(selfFlags(w) & O_CLOEXEC, O_CLOEXEC);
    assert.throws(() => setNonblocking(9999, true), { code: 'EBADF', syscall: 'fcntl' });
  } finally {
    closeSync(r);
    closeSync(w);
  }
});

test('spawnRaw reports the failing step; SyscallError falls back to Node names', () => {
  assert.throws(() => spawnRaw(toRawOptions({ file: '/nonexistent/x' })), { code: 'ENOENT', syscall: 'execve', path: '/nonexistent/x' });
  const e = new SyscallError({ syscall: 'open', errno: 13, path: '/x' });
  assert.equal(e.message, 'unable to open /x: EACCES (permission denied)');
});

test('a missing addon names the platform, every path looked at and the fix', () => {
  const all = addonCandidates('linux-x64-musl');
  // The most specific first: the prebuild, then a local build.
  assert.ok(all[0]?.endsWith('/prebuilds/linux-x64-musl/svinit.node'), all.join(' '));
  assert.ok(all.findIndex((p) => p.endsWith('/build/Release/svinit.node')) > 0, all.join(' '));
  assert.throws(() => loadAddon(['/nowhere/a/svinit.node', '/nowhere/b/svinit.node'], 'linux-x64-musl'), (err: unknown) => {
    const e = err as Error & { code: string };
    assert.equal(e.code, 'ERR_NATIVE_MISSING');
    assert.ok(e.message.includes('/nowhere/a/svinit.node') && e.message.includes('/nowhere/b/svinit.node'), e.message);
    assert.match(e.message, /no prebuild for linux-x64-musl/);
    assert.match(e.message, /npm explore svinit -- npm run build:native/);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
  const notAddon = join(scratchDir(), 'bad.node');
  closeSync(openSync(notAddon, 'w'));
  assert.throws(() => loadAddon([notAddon]), { code: 'ERR_NATIVE_LOAD' });
});
