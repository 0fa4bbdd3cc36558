// A service's `user` file against a password and a group database, and the restart settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, readServiceConfig } from '../../src/service/service-config.js';
import { builtinOnlyFiles } from '../../src/service/builtin-only.js';
import { groupsOf, parsePasswd, serviceUser } from '../../src/service/user.js';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'app:x:1000:1000:App,,,:/home/app:/bin/sh',
  'broken line',
  'bad:x:notanumber:1:::/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  '',
].join('\n');
const GROUP = ['root:x:0:', 'app:x:1000:', 'web:x:33:app,other', 'audio:x:29: app ', 'other:x:50:root', 'nogroup:x:65534:', ''].join('\n');

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'svinit-user-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('parsePasswd and groupsOf: well-formed lines only; the primary group first, then each group listing the user', () => {
  assert.deepEqual(parsePasswd(PASSWD).map((e) => e.name), ['root', 'app', 'nobody']);
  assert.deepEqual(parsePasswd(PASSWD)[1], { name: 'app', uid: 1000, gid: 1000, home: '/home/app' });
  assert.deepEqual(groupsOf(GROUP, 'app', 1000), [1000, 33, 29]);
  assert.deepEqual(groupsOf(GROUP, 'nobody', 65534), [65534]);
});

test('serviceUser: a name, uid:gid, no file; every problem is one line naming the file and the fix', (t) => {
  const db = dirWith({ passwd: PASSWD, group: GROUP });
  const paths = { passwd: join(db, 'passwd'), group: join(db, 'group') };
  const dirs: string[] = [db];
  t.after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
  const svc = (user: string | null): string => {
    const d = dirWith(user === null ? {} : { user });
    dirs.push(d);
    return d;
  };
  assert.equal(serviceUser(svc(null), paths), null);
  assert.deepEqual(serviceUser(svc('app\n'), paths), { uid: 1000, gid: 1000, groups: [1000, 33, 29], env: { HOME: '/home/app', USER: 'app', LOGNAME: 'app' } });
  assert.deepEqual(serviceUser(svc('65534:29\n'), paths), { uid: 65534, gid: 29, groups: [29], env: { HOME: '/nonexistent', USER: 'nobody', LOGNAME: 'nobody' } });
  assert.deepEqual(serviceUser(svc('4242:4242'), paths), { uid: 4242, gid: 4242, groups: [4242], env: {} });
  const ghost = svc('ghost\n');
  assert.deepEqual(serviceUser(ghost, paths), { error: `unable to use ${ghost}/user: no user "ghost" in ${paths.passwd} (add the user, or write a user name or uid:gid that exists, e.g. nobody or 65534:65534, in ${ghost}/user)` });
  assert.match((serviceUser(svc('\n'), paths) as { error: string }).error, /user: it is empty \(write a user name/);
  assert.match((serviceUser(svc('app:web'), paths) as { error: string }).error, /"app:web" is neither a name nor uid:gid/);
  assert.match((serviceUser(svc('app'), { ...paths, passwd: join(db, 'none') }) as { error: string }).error, /unable to run the service as "app" .*: .*none does not exist$/);
  const fifo = svc(null);
  execFileSync('mkfifo', [join(fifo, 'user')]);
  assert.match((serviceUser(fifo, paths) as { error: string }).error, /unable to read .*user: it is a FIFO, not a regular file/);
});

test('readServiceConfig: the restart rules, their defaults, and one line for a bad value', (t) => {
  const dir = dirWith({ 'restart-delay-max': '30000\n', 'give-up-after': 'five\n', 'give-up-window': '5000' });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { config, problems } = readServiceConfig(dir, false);
  assert.equal(config.restartDelayMaxMs, 30_000);
  assert.equal(config.restartResetMs, DEFAULT_CONFIG.restartResetMs);
  assert.equal(config.giveUpAfter, 0);
  assert.equal(config.giveUpWindowMs, 5000);
  assert.deepEqual(problems, [{ file: 'give-up-after', message: `unable to use ${dir}/give-up-after: "five" is not a whole number of failed starts; using 0 (write e.g. 5)` }]);
  assert.equal(readServiceConfig(dir, true).config.restartDelayMaxMs, 30_000, 'a log service has the same rules');
});

test('builtinOnlyFiles: what runsv would ignore, in the service and in its log/', (t) => {
  const dir = dirWith({ user: 'app', critical: '', 'give-up-after': '3' });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('mkdir', ['-p', join(dir, 'log', 'env'), join(dir, 'env')]);
  assert.deepEqual(builtinOnlyFiles(dir), ['env', 'user', 'give-up-after', 'critical', 'log/env']);
});
