// The dependency graph (src/ready/graph.ts): cycles, missing dependencies, what needs a blocked
// service, and the tiers of the ordered shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyse, stopTiers } from '../../src/ready/graph.js';

const n = (name: string, ...deps: string[]) => ({ name, deps });

test('a chain db -> app -> proxy: nothing blocked; the shutdown tiers are proxy, app, db', () => {
  const g = [n('app', 'db'), n('db'), n('proxy', 'app'), n('other')];
  assert.deepEqual(analyse(g, '/s').problems, []);
  assert.deepEqual(stopTiers(g), [['proxy', 'other'], ['app'], ['db']]);
});

test('a diamond: a dependency stops after every service that needs it', () => {
  const g = [n('web', 'api', 'cache'), n('api', 'db'), n('cache', 'db'), n('db')];
  assert.deepEqual(stopTiers(g), [['web'], ['api', 'cache'], ['db']]);
});

test('a cycle: one line naming its services and the path; only they (and what needs them) are blocked', () => {
  const g = [n('a', 'b'), n('b', 'c'), n('c', 'a'), n('d', 'a'), n('e')];
  const r = analyse(g, '/s');
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0]?.kind, 'cycle');
  assert.match(r.problems[0]?.message ?? '', /^unable to start a, b, c: dependency cycle a -> b -> c -> a; they stay down/);
  assert.equal(r.blocked.get('a'), 'dependency cycle: a -> b -> c -> a');
  assert.match(r.blocked.get('d') ?? '', /^needs a, which cannot start/);
  assert.equal(r.blocked.has('e'), false);
  // The tiers still end (edges in a cycle order nothing).
  assert.equal(stopTiers(g).flat().sort().join(','), 'a,b,c,d,e');
});

test('a service that needs itself is a cycle of one', () => {
  const r = analyse([n('x', 'x')], '/s');
  assert.equal(r.blocked.get('x'), 'dependency cycle: x -> x');
});

test('a missing dependency: one line naming both and the fix; the others are not blocked', () => {
  const r = analyse([n('app', 'db', 'queue'), n('queue'), n('web', 'app')], '/srv');
  assert.deepEqual(r.problems.map((p) => p.message), [
    'unable to start app: it needs db, not a service in /srv; it stays down (add the service, or remove app/dependencies.d/db)',
  ]);
  assert.equal(r.blocked.get('app'), 'missing dependency: db');
  assert.match(r.blocked.get('web') ?? '', /^needs app, which cannot start \(missing dependency: db\)/);
  assert.equal(r.blocked.has('queue'), false);
});
