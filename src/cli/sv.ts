// `svinit sv`: runit's sv client, whole (§5), for svinit's services and real runsv alike.
// The send phase mirrors sv.c; the wait phase is event-driven (sv-wait.ts). Deliberate
// differences from runit's documented bugs are listed in docs/commands/sv.md.
import { probeService, sendControl } from '../protocol/client.js';
import { errorText } from '../protocol/error-text.js';
import type { SvCommand } from '../protocol/sv-command.js';
import { commandWaits, isExitCommand, parseSvCommand, serviceDirectory, shouldSkipSend } from '../protocol/sv-command.js';
import { failureMessage, lsbStatusExit, statusErrorCount, statusOutput } from '../protocol/sv-format.js';
import { downFileExists, logView } from './inspect.js';
import type { CliOutput } from './output.js';
import { parseSvArgs, waitSeconds } from './sv-args.js';
import type { SvArgs } from './sv-args.js';
import { chdirError, serviceRoot } from './service-dir.js';
import type { WaitTarget } from './sv-wait.js';

/** Exit code of usage and fatal errors (LSB mode: 2 and 151). */
export const SV_EXIT_USAGE = 100;
export const SV_EXIT_LSB_USAGE = 2;
/** sv caps its count of failures at 99, so 100 always means usage. */
export const SV_MAX_RC = 99;

const HELP = `usage: svinit sv [-v] [-w sec] [--dir DIR] command service ...
       svinit sv --lsb NAME [-w sec] command

runit's sv: control and query services (svinit's or runsv's) in DIR (--dir, else $SVDIR,
else /etc/service). Commands: status up down once pause cont hup alarm interrupt quit 1 2
term kill exit start stop reload restart shutdown force-stop force-reload force-restart
force-shutdown try-restart check. -v waits for the result (default limit $SVWAIT or 7 s);
-w sec sets the limit and implies -v. See docs/commands/sv.md.`;

/** Where and how a command runs. */
export interface SvContext {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly output: CliOutput;
}

function usage(ctx: SvContext, lsb: string | undefined, message?: string): number {
  const prog = lsb ?? 'svinit sv';
  if (message !== undefined) ctx.output.err(`${prog}: ${message}`);
  ctx.output.err(lsb !== undefined ? `usage: ${prog} [-w sec] command` : `usage: ${prog} [-v] [-w sec] command service ...`);
  ctx.output.err('');
  return lsb !== undefined ? SV_EXIT_LSB_USAGE : SV_EXIT_USAGE;
}

// One service's `status` output; returns [errors to add, LSB exit code].
function statusOf(name: string, dir: string, ctx: SvContext): [number, number] {
  const probe = probeService(dir);
  if (probe.kind !== 'ok') {
    const m = failureMessage(name, probe, false);
    ctx.output.out(m.line);
    // runit: "runsv not running" goes through rc (1); an unreadable status is LSB's 4.
    return [m.countsAsError ? 1 : 0, probe.kind === 'not-running' ? 1 : 4];
  }
  const log = logView(dir);
  const text = statusOutput(name, { status: probe.status, downExists: downFileExists(dir) }, log, Date.now());
  ctx.output.out(text.endsWith('\n') ? text.slice(0, -1) : text);
  // Unlike runit (§9 #14), the LSB code is the main service's, not the log's.
  return [statusErrorCount(log), lsbStatusExit(probe.status)];
}

// sv's control(): probe, skip-send rule, one write. False drops the service from the wait.
function sendTo(name: string, dir: string, cmd: Extract<SvCommand, { kind: 'control' }>, ctx: SvContext): [boolean, number] {
  const probe = probeService(dir);
  if (probe.kind !== 'ok') {
    const m = failureMessage(name, probe, isExitCommand(cmd));
    ctx.output.out(m.line);
    return [false, m.countsAsError ? 1 : 0];
  }
  if (shouldSkipSend(cmd.bytes, probe.status)) return [true, 0];
  const r = sendControl(dir, cmd.bytes);
  if (r.kind === 'sent') return [true, 0];
  const m = failureMessage(name, r, isExitCommand(cmd));
  ctx.output.out(m.line);
  return [false, m.countsAsError ? 1 : 0];
}

async function execute(args: SvArgs, cmd: SvCommand, ctx: SvContext): Promise<number> {
  const startMs = Date.now();
  const root = serviceRoot(args.dir, ctx.env);
  let rc = 0;
  let lsbCode: number | undefined;
  const targets: WaitTarget[] = [];
  for (const name of args.services) {
    const dir = serviceDirectory(name, root, ctx.cwd);
    const bad = chdirError(dir);
    if (dir === undefined || bad !== undefined) {
      ctx.output.out(`fail: ${name}: unable to change to service directory: ${errorText(bad ?? 'ENOENT')}`);
      rc++;
      lsbCode ??= 1;
      continue;
    }
    if (cmd.kind === 'status') {
      const [errors, lsb] = statusOf(name, dir, ctx);
      rc += errors;
      lsbCode ??= lsb;
      continue;
    }
    // `check` sends nothing, so it does not even probe before waiting.
    const [wait, errors] = cmd.bytes === '' ? [true, 0] : sendTo(name, dir, cmd, ctx);
    rc += errors;
    if (wait) targets.push({ name, dir });
  }
  if (cmd.kind === 'status' && args.lsb !== undefined) return lsbCode ?? 4;
  if (cmd.kind === 'control' && commandWaits(cmd, args.verbose) && targets.length > 0) {
    const { waitForServices } = await import('./sv-wait.js');
    rc += await waitForServices(targets, {
      waitBytes: cmd.waitBytes,
      kill: cmd.kill,
      exitCommand: isExitCommand(cmd),
      startMs,
      timeoutSec: waitSeconds(args, ctx.env),
      env: ctx.env,
      output: ctx.output,
    });
  }
  return Math.min(rc, SV_MAX_RC);
}

/** Runs `svinit sv ARGS...`; `lsbName` switches to init-script mode (see docs). Returns the exit code. */
export async function runSv(argv: readonly string[], ctx: SvContext, lsbName?: string): Promise<number> {
  const args = parseSvArgs(argv, lsbName);
  if (args.kind === 'help') {
    ctx.output.out(HELP);
    return 0;
  }
  if (args.kind === 'version') {
    ctx.output.err('svinit sv: runit 2.1.2 sv compatible');
    return usage(ctx, args.lsb);
  }
  if (args.kind === 'usage') return usage(ctx, args.lsb, args.message);
  const cmd = parseSvCommand(args.command, args.lsb !== undefined);
  if (cmd.kind === 'usage') return usage(ctx, args.lsb);
  return execute(args, cmd, ctx);
}
