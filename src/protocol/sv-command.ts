// sv's command word (runit 2.1.2 sv.c main()), its wait conditions (check()) and the
// skip-send rule (control()), as pure functions. Deliberate differences from runit are listed
// in docs/sv-differences.md.
import { resolve } from 'node:path';
import type { SuperviseStatus } from './status-file.js';
import type { Stamp } from './tai64.js';
import { compareStamps } from './tai64.js';

/** A parsed sv command. */
export type SvCommand =
  | { kind: 'status' }
  | {
      kind: 'control';
      /** Canonical name, for messages and docs ("restart", "term", "force-stop", ...). */
      name: string;
      /** Bytes written to supervise/control in one write; '' for `check` (nothing is sent). */
      bytes: string;
      /** Waits even without -v (start, stop, restart, check, force-*, ...). */
      wait: boolean;
      /** On timeout, print `kill:` and send `k` (force-* and X E D T). */
      kill: boolean;
      /** The condition bytes checked while waiting (§5.6): the sent bytes, or 'C' for check. */
      waitBytes: string;
    };

export type SvParseResult = SvCommand | { kind: 'usage' };

type Control = Extract<SvCommand, { kind: 'control' }>;

function control(name: string, bytes: string, wait: boolean, kill = false, waitBytes = bytes): Control {
  return { kind: 'control', name, bytes, wait, kill, waitBytes };
}

// Exact words, checked before the first-character rule.
const EXACT: Readonly<Record<string, Control>> = {
  shutdown: control('shutdown', 'x', true),
  start: control('start', 'u', true),
  stop: control('stop', 'd', true),
  restart: control('restart', 'tcu', true),
  reload: control('reload', 'h', true),
  'try-restart': control('try-restart', 'tc', true),
  check: control('check', '', true, false, 'C'),
  'force-reload': control('force-reload', 'tc', true, true),
  'force-restart': control('force-restart', 'tcu', true, true),
  'force-shutdown': control('force-shutdown', 'x', true, true),
  'force-stop': control('force-stop', 'd', true, true),
};

// First-character commands: sv sends the first character of the word itself.
const FIRST_CHAR: Readonly<Record<string, string>> = {
  u: 'up', d: 'down', o: 'once', p: 'pause', c: 'cont', h: 'hup', a: 'alarm',
  i: 'interrupt', k: 'kill', q: 'quit', '1': 'usr1', '2': 'usr2', t: 'term',
};

// Undocumented capitals: wait, and kill on timeout.
const CAPITALS: Readonly<Record<string, Control>> = {
  X: control('force-shutdown', 'x', true, true),
  E: control('force-shutdown', 'x', true, true),
  D: control('force-stop', 'd', true, true),
  T: control('force-reload', 'tc', true, true),
};

/** Parses sv's command word; `lsb` is true when sv runs as an init script (basename ≠ sv). */
export function parseSvCommand(word: string, lsb: boolean): SvParseResult {
  const first = word.charAt(0);
  const exact = Object.hasOwn(EXACT, word) ? EXACT[word] : undefined;
  // An exact word only counts under its own first letter, which is always the case here.
  if (exact !== undefined) return exact;
  const capital = CAPITALS[first];
  if (capital !== undefined) return capital;
  if (first === 'x' || first === 'e') return control('exit', 'x', false);
  if (first === 's') return lsb && word !== 'status' ? { kind: 'usage' } : { kind: 'status' };
  // `r…` and `f…` words other than the exact ones are usage errors.
  if (first === 'r' || first === 'f') return { kind: 'usage' };
  const name = FIRST_CHAR[first];
  if (name !== undefined) return control(name, first, false);
  return { kind: 'usage' };
}

/**
 * The directory sv uses for a service argument (§5.2): names that start with `/` or `.` or
 * end with `/` are taken relative to `cwd`; all others live in `svdir`; '' has none. runit forgets
 * the trailing-slash rule in its wait phase; callers use this one function for both phases.
 */
export function serviceDirectory(name: string, svdir: string, cwd: string): string | undefined {
  // chdir("") fails with ENOENT in sv; undefined lets the caller report exactly that.
  if (name === '') return undefined;
  const local = name.startsWith('/') || name.startsWith('.') || name.endsWith('/');
  return local ? resolve(cwd, name) : resolve(cwd, svdir, name);
}

/** Does this command wait for its conditions, given -v/-w? (`status` never waits.) */
export function commandWaits(cmd: SvCommand, verbose: boolean): boolean {
  return cmd.kind === 'control' && (cmd.wait || verbose);
}

/** Is this an exit command, for which a dead runsv means success (`ok: NAME: runsv not running`)? */
export function isExitCommand(cmd: SvCommand): boolean {
  return cmd.kind === 'control' && cmd.waitBytes.startsWith('x');
}

/**
 * sv's skip-send rule: nothing is written when the want byte already equals the first command
 * byte, except that `d` is still sent while got-TERM is clear (a service started with `once`).
 */
export function shouldSkipSend(bytes: string, status: SuperviseStatus): boolean {
  const first = bytes.charAt(0);
  if (first === '' || status.want !== first) return false;
  return first !== 'd' || status.gotTerm;
}

/** Result of one wait check. */
export type ConditionResult = 'ok' | 'fail' | 'pending';

/**
 * One wait condition of §5.6 for `byte`, against a freshly read status (or 'not-running').
 * `svStart` is when sv started: pass `{seconds, nanos: 0}` for runit's whole-second comparison,
 * or a precise start (tai64 startStamp) to avoid the same-second false positive (§9 #12).
 */
export function checkCondition(
  byte: string,
  status: SuperviseStatus | 'not-running',
  svStart: Stamp,
  checkScriptPasses: () => boolean,
): ConditionResult {
  if (status === 'not-running') return byte === 'x' ? 'ok' : 'fail';
  const s = status;
  const running = s.pid !== 0;
  const changedSinceStart = compareStamps(s, svStart) >= 0;
  switch (byte) {
    case 'x':
      return 'pending';
    case 'u':
      return running && s.state === 'run' && checkScriptPasses() ? 'ok' : 'pending';
    case 'd':
      return !running && s.state === 'down' ? 'ok' : 'pending';
    case 'C':
      // runit: no process means "checked", even for a crash-looping service that wants up.
      return !running || checkScriptPasses() ? 'ok' : 'pending';
    case 't':
    case 'k':
      if (!running && s.want === 'd') return 'ok';
      return changedSinceStart && running && !s.gotTerm && checkScriptPasses() ? 'ok' : 'pending';
    case 'o':
      return (!running && changedSinceStart) || (running && s.want === 'd') ? 'ok' : 'pending';
    case 'p':
      return !running || s.paused ? 'ok' : 'pending';
    case 'c':
      return !running || !s.paused ? 'ok' : 'pending';
    default:
      // h a i q 1 2 (and anything else) hold at once.
      return 'ok';
  }
}

/** All of `waitBytes`, in order, against one status read: the first byte not 'ok' decides. */
export function checkConditions(
  waitBytes: string,
  status: SuperviseStatus | 'not-running',
  svStart: Stamp,
  checkScriptPasses: () => boolean,
): ConditionResult {
  for (const byte of waitBytes) {
    const r = checkCondition(byte, status, svStart, checkScriptPasses);
    if (r !== 'ok') return r;
  }
  return 'ok';
}
