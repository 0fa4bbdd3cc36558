// sv's output, byte for byte (runit 2.1.2 sv.c): the status line, the `status` command's
// main + log output, the ok/timeout/kill results and the fail/warning messages.
import type { ControlResult, ProbeResult } from './client.js';
import { errorText } from './error-text.js';
import type { SuperviseStatus } from './status-file.js';
import { ageSeconds } from './tai64.js';

/** Prefix of a message line on stdout. */
export type MessageKind = 'ok' | 'fail' | 'warning';

/** sv's message texts (§5.8); `NAME: ` and `: ERR` are added by messageLine. */
export const SV_MESSAGES = {
  notRunning: 'runsv not running',
  changeToService: 'unable to change to service directory',
  openOk: 'unable to open supervise/ok',
  openStatus: 'unable to open supervise/status',
  readStatus: 'unable to read supervise/status',
  badFormat: 'unable to read supervise/status: bad format',
  openControl: 'unable to open supervise/control',
  writeControl: 'unable to write to supervise/control',
  changeToLog: 'unable to change directory',
} as const;

/** `<kind>: NAME: TEXT[: ERR]` (no newline). */
export function messageLine(kind: MessageKind, name: string, text: string, code?: string): string {
  return `${kind}: ${name}: ${text}${code === undefined ? '' : `: ${errorText(code)}`}`;
}

/** A stderr warning such as `warning: unable to stat NAME/down: file does not exist`. */
export function stderrWarningLine(action: string, path: string, code: string): string {
  return `warning: unable to ${action} ${path}: ${errorText(code)}`;
}

/**
 * `<st>: NAME: [(pid P) ]<S>s[, normally down][, normally up][, paused][, want up][, want down][, got TERM]`
 * (no newline). The pid is shown when state is not down; the suffixes depend on the pid.
 */
export function statusLine(name: string, s: SuperviseStatus, downExists: boolean, nowMs: number): string {
  let line = `${s.state}: ${name}: `;
  if (s.state !== 'down') line += `(pid ${s.pid}) `;
  line += `${ageSeconds(s.seconds, nowMs)}s`;
  const running = s.pid !== 0;
  if (running && downExists) line += ', normally down';
  if (!running && !downExists) line += ', normally up';
  if (running && s.paused) line += ', paused';
  if (!running && s.want === 'u') line += ', want up';
  if (running && s.want === 'd') line += ', want down';
  if (running && s.gotTerm) line += ', got TERM';
  return line;
}

/** `ok: `, `timeout: ` or `kill: ` + a status line (no newline). */
export function resultLine(kind: 'ok' | 'timeout' | 'kill', line: string): string {
  return `${kind}: ${line}`;
}

/** A failed probe or control as sv words it, and whether it adds 1 to the exit code. */
export interface FailureMessage {
  readonly line: string;
  readonly countsAsError: boolean;
}

/**
 * The message for a failed probe/control of NAME. `exitCommand` is true when the first command
 * byte is `x`: then a dead runsv is what was asked for and prints `ok:`.
 */
export function failureMessage(
  name: string,
  r: Exclude<ProbeResult | ControlResult, { kind: 'ok' } | { kind: 'sent' }>,
  exitCommand: boolean,
): FailureMessage {
  if (r.kind === 'not-running') {
    return exitCommand
      ? { line: messageLine('ok', name, SV_MESSAGES.notRunning), countsAsError: false }
      : { line: messageLine('fail', name, SV_MESSAGES.notRunning), countsAsError: true };
  }
  const warn = (text: string, code?: string): FailureMessage => ({ line: messageLine('warning', name, text, code), countsAsError: true });
  if (r.kind === 'bad-format') return warn(SV_MESSAGES.badFormat);
  if (r.kind === 'short-write') return warn(SV_MESSAGES.writeControl);
  if (r.file === 'ok') return warn(SV_MESSAGES.openOk, r.code);
  if (r.file === 'status') return warn(r.syscall === 'read' ? SV_MESSAGES.readStatus : SV_MESSAGES.openStatus, r.code);
  return warn(r.syscall === 'write' ? SV_MESSAGES.writeControl : SV_MESSAGES.openControl, r.code);
}

/** The main service's part of `sv status`: its probe and whether its `down` file exists. */
export interface MainView {
  readonly status: SuperviseStatus;
  readonly downExists: boolean;
}

/** What `sv status` found for `log/`. */
export type LogView =
  | { kind: 'absent' } // chdir("log") failed with ENOENT: no log part at all
  | { kind: 'chdir-error'; code: string }
  | { kind: 'probe-failed'; probe: Exclude<ProbeResult, { kind: 'ok' }> }
  | { kind: 'ok'; status: SuperviseStatus; downExists: boolean };

/**
 * The full stdout of `sv status` for one service, newline included. The log part is
 * `; ` + the log's line under the literal name `log`; log failures are named NAME/log.
 * Unlike runit, a failed log probe prints no log line built from the main service's data.
 */
export function statusOutput(name: string, main: MainView, log: LogView, nowMs: number): string {
  const head = statusLine(name, main.status, main.downExists, nowMs);
  switch (log.kind) {
    case 'absent':
      return `${head}\n`;
    case 'chdir-error':
      return `${head}; ${messageLine('warning', `${name}/log`, SV_MESSAGES.changeToLog, log.code)}\n`;
    case 'probe-failed':
      return `${head}; ${failureMessage(`${name}/log`, log.probe, false).line}\n`;
    case 'ok':
      return `${head}; ${statusLine('log', log.status, log.downExists, nowMs)}\n`;
  }
}

/** Whether `sv status` output counts as an error for the exit code (each warning/fail adds 1). */
export function statusErrorCount(log: LogView): number {
  return log.kind === 'chdir-error' || log.kind === 'probe-failed' ? 1 : 0;
}

/** `fatal: TEXT: ERR` on stderr (exit 100, LSB 151). */
export function fatalLine(text: string, code: string): string {
  return `fatal: ${text}: ${errorText(code)}`;
}

/** LSB `status` exit code: 0 when the service has a process (run or finish), 3 when it has none. */
export function lsbStatusExit(main: SuperviseStatus): 0 | 3 {
  return main.pid !== 0 ? 0 : 3;
}
