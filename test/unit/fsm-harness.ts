// A simulated effects layer for the pure supervision machine: it keeps a clock, the armed timers
// and the live child, executes effects in order, feeds every spawn's result back as the next event
// (the layer's contract), and checks the layer-side rules on every step.
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG, type ServiceConfig } from '../../src/service/service-config.js';
import { initialState, kick, step } from '../../src/supervise/fsm.js';
import type {
  ChildKind, Effect, InitialOptions, ServiceState, StatusSnapshot, StepContext, StepResult, SvEvent,
  TimerName,
} from '../../src/supervise/fsm.js';

export const T0 = 1_700_000_000_000_000;

/** A snapshot of the fields the status file carries. */
export function snap(s: ServiceState): StatusSnapshot {
  const failed = s.state === 'failed';
  return { state: failed ? 'down' : s.state, want: failed ? 'down' : s.want, paused: s.paused, gotTerm: s.gotTerm, pid: s.pid, stampUs: s.stampUs };
}

export interface SpawnRecord {
  readonly atUs: number;
  readonly what: ChildKind;
  readonly args: readonly string[];
  readonly pid: number | null;
}

/** How the simulated addon answers a spawn: a pid, or an errno name for a failure. */
export type SpawnPolicy = (what: ChildKind) => { pid: number } | { code: string; errno: number; unusable?: string };

export class Sim {
  s: ServiceState;
  now: number;
  hasFinish: boolean;
  config: ServiceConfig;
  readonly timers = new Map<TimerName, number>();
  readonly spawns: SpawnRecord[] = [];
  readonly effects: Effect[] = [];
  readonly statuses: StatusSnapshot[] = [];
  readonly reaped = new Set<number>();
  live = 0;
  doneCount = 0;
  policy: SpawnPolicy;
  /** Called after every step (including the ones feeding a spawn's result back). */
  onStep: ((before: ServiceState, ev: SvEvent | null, r: StepResult) => void) | null = null;
  private nextPid = 1000;

  constructor(opts: Partial<InitialOptions> & { hasFinish?: boolean; config?: Partial<ServiceConfig> } = {}) {
    this.now = opts.nowUs ?? T0;
    this.s = initialState({ isLog: opts.isLog ?? false, downFile: opts.downFile ?? false, nowUs: this.now });
    this.hasFinish = opts.hasFinish ?? false;
    this.config = { ...DEFAULT_CONFIG, ...opts.config };
    this.policy = () => ({ pid: this.nextPid++ });
  }

  ctx(): StepContext {
    return { nowUs: this.now, hasFinish: this.hasFinish, config: this.config };
  }

  kick(): StepResult {
    return this.apply(this.s, null, kick(this.s, this.ctx()));
  }

  feed(ev: SvEvent): StepResult {
    if (ev.type === 'exited') {
      assert.notEqual(this.live, 0, 'exited fed without a live child');
      this.reaped.add(this.live);
      this.live = 0;
    }
    const r = this.apply(this.s, ev, step(this.s, ev, this.ctx()));
    if (ev.type === 'exited') assert.ok(!this.reaped.has(this.s.pid), 'a reaped pid is still in the state');
    return r;
  }

  control(c: string, handled = false): StepResult {
    return this.feed({ type: 'control', c, handled });
  }

  /** The live child exits with this raw status. */
  exit(status: number): StepResult {
    return this.feed({ type: 'exited', status });
  }

  /** Advance the clock to `toUs`, firing every armed timer that falls due on the way, in order. */
  advanceTo(toUs: number): void {
    for (;;) {
      let next: [TimerName, number] | null = null;
      for (const [name, due] of this.timers) if (due <= toUs && (next === null || due < next[1])) next = [name, due];
      if (next === null) break;
      this.now = Math.max(this.now, next[1]);
      this.timers.delete(next[0]);
      this.feed({ type: 'timer', name: next[0] });
    }
    this.now = Math.max(this.now, toUs);
  }

  advance(ms: number): void {
    this.advanceTo(this.now + ms * 1000);
  }

  private apply(before: ServiceState, ev: SvEvent | null, r: StepResult): StepResult {
    this.s = r.state;
    let spawnResult: SvEvent | null = null;
    r.effects.forEach((e, i) => {
      this.effects.push(e);
      if (e.type === 'spawn') {
        assert.equal(i, r.effects.length - 1, 'spawn must be the last effect of a step');
        spawnResult = this.doSpawn(e.what, e.what === 'finish' ? e.args : []);
      } else this.execute(e);
    });
    this.onStep?.(before, ev, r);
    if (spawnResult !== null) this.apply(this.s, spawnResult, step(this.s, spawnResult, this.ctx()));
    return r;
  }

  private doSpawn(what: ChildKind, args: readonly string[]): SvEvent {
    assert.equal(this.live, 0, 'spawn while a child is live');
    const res = this.policy(what);
    const pid = 'pid' in res ? res.pid : null;
    this.spawns.push({ atUs: this.now, what, args, pid });
    if ('pid' in res) {
      this.live = res.pid;
      return { type: 'spawned', pid: res.pid };
    }
    return { type: 'spawnFailed', code: res.code, errno: res.errno, ...(res.unusable === undefined ? {} : { unusable: res.unusable }) };
  }

  private execute(e: Effect): void {
    switch (e.type) {
      case 'signal':
        assert.notEqual(e.pid, 0, 'signal to pid 0');
        assert.ok(!this.reaped.has(e.pid), `signal to reaped pid ${e.pid}`);
        assert.equal(e.pid, this.live, 'signal to a pid that is not the live child');
        break;
      case 'armTimer':
        assert.ok(!this.timers.has(e.name), `timer ${e.name} armed twice`);
        assert.ok(e.ms > 0, 'timer of 0 ms');
        this.timers.set(e.name, this.now + e.ms * 1000);
        break;
      case 'cancelTimer':
        assert.ok(this.timers.delete(e.name), `cancel of unarmed timer ${e.name}`);
        break;
      case 'writeStatus':
        this.statuses.push(e.status);
        break;
      case 'done':
        this.doneCount++;
        break;
      default:
        break;
    }
  }
}

/** The status lines runit's `stat` file would show for each write (§3.4), for readable asserts. */
export function statText(st: StatusSnapshot): string {
  let t = st.state;
  if (st.paused) t += ', paused';
  if (st.gotTerm) t += ', got TERM';
  if (st.state !== 'down' && st.want !== 'up') t += `, want ${st.want}`;
  return t;
}

/** Effects of a given type, for short assertions. */
export function ofType<T extends Effect['type']>(effects: readonly Effect[], type: T): Extract<Effect, { type: T }>[] {
  return effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);
}
