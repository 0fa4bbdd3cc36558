// The data of the per-service supervision state machine: its state, the events fed to it and the
// effects it asks for. Plain readonly data only, so a step can be logged, replayed and compared.
import type { Level } from '../log/logger.js';
import type { ServiceConfig } from '../service/service-config.js';

/** runit's three states; the numbers runit stores in status byte 19 are 0, 1, 2 in this order. */
export type StatusState = 'down' | 'run' | 'finish';

/**
 * The machine's states: runit's three, and `failed`: down, want up, no restart scheduled (the
 * service gave up, or it cannot be started until its settings are fixed). The status file shows
 * `failed` as runit's down (sv: "down: NAME: 3s, normally up, want up").
 */
export type StateName = StatusState | 'failed';

/** What the operator asked for; 'exit' is stored as 'd' in the status file (§3.3). */
export type Want = 'up' | 'down' | 'exit';

/** The two kinds of child a service runs (the log service only ever runs 'run'). */
export type ChildKind = 'run' | 'finish';

/** Timers the machine arms; the layer feeds a timer event only for an armed, uncancelled timer. */
export type TimerName = 'throttle' | 'kill' | 'finish';

/** The last spawn failure reason seen for each child kind, to log a failure once per change. */
export interface SpawnErrors {
  readonly run: string | null;
  readonly finish: string | null;
}

/** Everything one service's supervision knows; replaced, never mutated, by each step. */
export interface ServiceState {
  readonly state: StateName;
  readonly want: Want;
  readonly paused: boolean;
  readonly gotTerm: boolean;
  /** The pid of ./run (state run) or ./finish (state finish); 0 = no live child. */
  readonly pid: number;
  /** µs since the epoch of the last state change as runit counts it (status bytes 0-11). */
  readonly stampUs: number;
  /** µs since the epoch when ./run was last started (or failed to start); null = never. */
  readonly runStartUs: number | null;
  /** Raw wait status of the last ./run exit (a failed exec counts as exit 111). */
  readonly lastStatus: number | null;
  /** A start of ./run is scheduled for when the 'throttle' timer fires. */
  readonly throttled: boolean;
  /** The 'kill' timer (escalation after the down signal) is armed. */
  readonly killArmed: boolean;
  /** The 'finish' timer (./finish time limit) is armed. */
  readonly finishArmed: boolean;
  /** A spawn effect was emitted and its result (spawned / spawnFailed) is not yet fed back. */
  readonly pending: ChildKind | null;
  /** svinit is shutting down: want is pinned to exit, nothing is ever started again. */
  readonly shutdown: boolean;
  /** Log service variant: no ./finish, no control/ overrides, 'x' ignored. */
  readonly isLog: boolean;
  readonly lastSpawnError: SpawnErrors;
  /** A stop was asked for the current ./run (d, x, t, k, shutdown): its end is not a failure. */
  readonly stopAsked: boolean;
  /** Failed starts in a row (./run ended by itself sooner than restartResetMs): the back-off. */
  readonly failures: number;
  /** µs of the last failed starts (at most config.giveUpAfter of them): the give-up window. */
  readonly failureTimesUs: readonly number[];
  /** Why the state is failed (one line for `svinit status`); null in every other state. */
  readonly failedReason: string | null;
  /**
   * ./run was stopped because it did not become ready in time (timeout-ready): why, until it has
   * ended. That end counts as a failed start whatever its uptime; null otherwise.
   */
  readonly notReady: string | null;
}

/** What the layer tells each step besides the event. */
export interface StepContext {
  readonly nowUs: number;
  /** ./finish exists and is readable (runit opens it for reading); ignored for a log service. */
  readonly hasFinish: boolean;
  /** The service's settings (s6-style extras), read by the layer before the step. */
  readonly config: ServiceConfig;
}

/** One control byte; handled = the control/<x> override named by overrideFor() exited 0. */
export interface ControlEvent {
  readonly type: 'control';
  readonly c: string;
  readonly handled: boolean;
}
/** The spawn effect succeeded. */
export interface SpawnedEvent {
  readonly type: 'spawned';
  readonly pid: number;
}
/** The spawn effect failed (exec or fork error); code is the errno name, e.g. 'ENOENT'. */
export interface SpawnFailedEvent {
  readonly type: 'spawnFailed';
  readonly code: string;
  readonly errno: number;
  /**
   * The service's own settings make every start fail (its `user` is unknown, say): one line that
   * says so and the fix. The machine does not retry: the state becomes failed until `sv up`.
   */
  readonly unusable?: string;
}
/** The current child (run or finish) was reaped; status is the raw waitpid status. */
export interface ExitedEvent {
  readonly type: 'exited';
  readonly status: number;
}
/** An armed timer fired. */
export interface TimerEvent {
  readonly type: 'timer';
  readonly name: TimerName;
}
/**
 * The readiness layer gave up on this ./run (not ready within timeout-ready): stop it with its
 * down signal, SIGKILL after timeout-kill (else NOT_READY_KILL_MS); its end is a failed start.
 */
export interface NotReadyEvent {
  readonly type: 'notReady';
  /** One line: what it waited for and how long. */
  readonly reason: string;
}
/** svinit stops everything: 'x' that also applies to the log and can never be undone. */
export interface ShutdownEvent {
  readonly type: 'shutdown';
  /** control/t (via overrideFor(s, 'x')) handled the stop; always false for a log service. */
  readonly handled: boolean;
}

/** Every input of the machine. */
export type SvEvent =
  | ControlEvent
  | SpawnedEvent
  | SpawnFailedEvent
  | ExitedEvent
  | TimerEvent
  | NotReadyEvent
  | ShutdownEvent;

/** The fields of the supervise/status file (§3.3), as of the end of the step. */
export interface StatusSnapshot {
  readonly state: StatusState;
  readonly want: Want;
  readonly paused: boolean;
  readonly gotTerm: boolean;
  readonly pid: number;
  readonly stampUs: number;
}

/** Start ./run; controlU: run control/u (if it exists) to completion first, result ignored. */
export interface SpawnRunEffect {
  readonly type: 'spawn';
  readonly what: 'run';
  readonly controlU: boolean;
}
/** Start ./finish with runit's two arguments. */
export interface SpawnFinishEffect {
  readonly type: 'spawn';
  readonly what: 'finish';
  readonly args: readonly [string, string];
}
/** Send sig to the live child pid, or to its process group (-pid) when group is set. */
export interface SignalEffect {
  readonly type: 'signal';
  readonly sig: number;
  readonly pid: number;
  readonly target: 'pid' | 'group';
}

/**
 * The service failed for good: it gave up (or cannot be started), or its ./run ended by itself
 * while want was down (`sv once`). `status` is the raw wait status of the last ./run (111 << 8
 * when it never started); the layer ends the container when the service is critical.
 */
export interface FailedEffect {
  readonly type: 'failed';
  readonly status: number;
  readonly reason: string;
}

/** Everything the machine asks the layer to do, executed in order. */
export type Effect =
  | SpawnRunEffect
  | SpawnFinishEffect
  | SignalEffect
  | { readonly type: 'writeStatus'; readonly status: StatusSnapshot }
  | { readonly type: 'armTimer'; readonly name: TimerName; readonly ms: number }
  | { readonly type: 'cancelTimer'; readonly name: TimerName }
  | { readonly type: 'runOverride'; readonly script: 'd' | 'x' }
  | { readonly type: 'log'; readonly level: Level; readonly message: string }
  | FailedEffect
  | { readonly type: 'done' };

/** The result of one step. */
export interface StepResult {
  readonly state: ServiceState;
  readonly effects: readonly Effect[];
}

/** runit's command bytes (§4.3); any other byte is ignored. */
export const CONTROL_CHARS = ['u', 'd', 'o', 'x', 't', 'k', 'p', 'c', 'h', 'a', 'i', 'q', '1', '2'] as const;
export type ControlChar = (typeof CONTROL_CHARS)[number];

/** The table's columns: each command byte, each timer, and the other event types. */
export type EventKey =
  | ControlChar
  | 'spawned'
  | 'spawnFailed'
  | 'exited'
  | 'timer:throttle'
  | 'timer:kill'
  | 'timer:finish'
  | 'notReady'
  | 'shutdown';

/** The event type a column receives. */
export type EventOf<K extends EventKey> = K extends ControlChar
  ? ControlEvent
  : K extends 'spawned'
    ? SpawnedEvent
    : K extends 'spawnFailed'
      ? SpawnFailedEvent
      : K extends 'exited'
        ? ExitedEvent
        : K extends `timer:${string}`
          ? TimerEvent
          : K extends 'notReady'
            ? NotReadyEvent
            : ShutdownEvent;

/** Every column, in a fixed order (for tests and docs). */
export const EVENT_KEYS: readonly EventKey[] = [
  ...CONTROL_CHARS, 'spawned', 'spawnFailed', 'exited', 'timer:throttle', 'timer:kill', 'timer:finish', 'notReady', 'shutdown',
];
