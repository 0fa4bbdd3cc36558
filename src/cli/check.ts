// `svinit check [--dir DIR] [-v] [--timeout SEC] [SERVICE...]`: exit 0 if and only if every
// service that should be up is up (and its `check` script, if any, passes); otherwise one line
// naming the failing ones and exit 1. Made for HEALTHCHECK and probes: a few syscalls per service.
import { errorText } from '../protocol/error-text.js';
import { failureMessage } from '../protocol/sv-format.js';
import { ageSeconds } from '../protocol/tai64.js';
import { CRASH_STARTS, failedReason, NO_SUPERVISOR, notReadyReason, spawnErrorText, startsLastMinute, startsText, type ServiceInfo } from '../protocol/status-model.js';
import { checkScriptExists } from './inspect.js';
import type { CliOutput } from './output.js';
import { collectServices } from './service-list.js';
import { serviceRoot } from './service-dir.js';
import { version } from '../process/version.js';
import { parseCli } from './args.js';

/** Exit codes of `svinit check` (Docker: 0 healthy, 1 unhealthy). */
export const CHECK_HEALTHY = 0;
export const CHECK_UNHEALTHY = 1;
export const CHECK_USAGE = 100;
/** How long a service's `check` script may run by default. */
export const DEFAULT_SCRIPT_TIMEOUT_S = 5;

const HELP = `usage: svinit check [-v] [--ready] [--dir DIR] [--timeout SEC] [SERVICE...]   (or -h, --help, --version)

Exit 0 if and only if every service in DIR (--dir, else $SVDIR, else /etc/service), or every one
named, that should be up (want up; or, unsupervised, no down file) is running, not paused, and its
check script (if any) passes within --timeout (default 5 s). Otherwise print one line naming the
failing services and exit 1. With --ready, each of them must also be ready (its notification-fd,
notify or check said so; else up), and nothing is ready once svinit shuts down. -v also prints a
line when healthy. See docs/commands/check.md.`;

/** Why one service is not healthy, or null when it is fine as far as the status tells. */
export function statusProblem(info: ServiceInfo, nowMs: number): string | null {
  const p = info.probe;
  if (p.kind === 'missing') return `unable to change to service directory: ${errorText(p.code)}`;
  if (p.kind === 'not-running') return info.normallyUp ? NO_SUPERVISOR : null;
  if (p.kind === 'unsupervised') return info.normallyUp ? 'not supervised' : null;
  if (p.kind !== 'ok') return failureMessage(info.name, p, false).line.replace(/^\w+: /, '').slice(info.name.length + 2);
  const s = p.status;
  const failed = failedReason(info);
  if (failed !== null) return `failed: ${failed}`;
  if (s.want !== 'u') return null;
  const why = spawnErrorText(info.extras.spawnError);
  const starts = startsLastMinute(info, nowMs);
  const loop = starts >= CRASH_STARTS ? `crash loop: ${startsText(starts)} in the last minute` : null;
  const more = [why, loop].filter((t) => t !== null).join(', ');
  if (s.pid === 0 || s.state === 'down') return `down ${ageSeconds(s.seconds, nowMs)}s, want up${more === '' ? '' : `: ${more}`}`;
  if (loop !== null) return loop;
  if (s.state === 'finish') return 'finishing, want up';
  if (s.paused) return 'paused';
  return null;
}

interface CheckArgs {
  verbose: boolean;
  ready: boolean;
  dir: string | undefined;
  timeoutS: number;
  names: string[];
}

function parseArgs(argv: readonly string[]): CheckArgs | { help: true } | { version: true } | { usage: string } {
  const parsed = parseCli(argv, {
    verbose: { type: 'boolean', short: 'v' }, ready: { type: 'boolean' }, dir: { type: 'string' }, timeout: { type: 'string' },
    help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' },
  });
  if (!parsed.ok) return { usage: parsed.message };
  const { values, names } = parsed;
  if (values.help === true) return { help: true };
  if (values.version === true) return { version: true };
  let timeoutS = DEFAULT_SCRIPT_TIMEOUT_S;
  if (values.timeout !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(values.timeout)) return { usage: `unable to use --timeout "${values.timeout}": give seconds, e.g. --timeout 3` };
    timeoutS = Number(values.timeout);
  }
  return { verbose: values.verbose === true, ready: values.ready === true, dir: values.dir, timeoutS, names };
}

// Runs the check scripts of the services that look up, all at once; returns the failing names.
async function scriptProblems(up: readonly ServiceInfo[], args: CheckArgs, env: NodeJS.ProcessEnv, output: CliOutput): Promise<Map<string, string>> {
  const withScript = up.filter((s) => checkScriptExists(s.dir) !== false);
  const failed = new Map<string, string>();
  if (withScript.length === 0) return failed;
  const { runCheckScript } = await import('./check-script.js');
  const deadline = Date.now() + args.timeoutS * 1000;
  const results = await Promise.all(withScript.map((s) => runCheckScript(s.dir, s.name, env, { deadlineMs: deadline, strict: true }, (l) => output.err(l))));
  withScript.forEach((s, i) => {
    if (results[i] !== 'pass') failed.set(s.name, 'check script failed');
  });
  return failed;
}

/** Runs `svinit check ARGS...`; returns the exit code. */
export async function runCheck(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string, output: CliOutput): Promise<number> {
  const args = parseArgs(argv);
  if ('help' in args) {
    output.out(HELP);
    return CHECK_HEALTHY;
  }
  if ('version' in args) {
    output.out(`svinit ${version()}`);
    return CHECK_HEALTHY;
  }
  if ('usage' in args) {
    output.err(`svinit check: ${args.usage}`);
    output.err('usage: svinit check [-v] [--ready] [--dir DIR] [--timeout SEC] [SERVICE...]');
    return CHECK_USAGE;
  }
  const found = collectServices(args.names, serviceRoot(args.dir, env), cwd);
  if (found.kind === 'error') {
    output.out(`svinit check: unhealthy: ${found.message}`);
    return CHECK_UNHEALTHY;
  }
  const now = Date.now();
  const problems = new Map<string, string>();
  const up: ServiceInfo[] = [];
  for (const info of found.services) {
    const p = statusProblem(info, now);
    const wanted = info.status !== null && info.status.want === 'u';
    const notReady = args.ready && p === null && (wanted || info.extras.stopping === true) ? notReadyReason(info) : null;
    if (p !== null) problems.set(info.name, p);
    else if (notReady !== null) problems.set(info.name, `not ready: ${notReady}`);
    else if (wanted) up.push(info);
  }
  for (const [name, p] of await scriptProblems(up, args, env, output)) problems.set(name, p);
  const total = found.services.length;
  if (problems.size === 0) {
    if (args.verbose) output.out(`svinit check: healthy: ${total} service${total === 1 ? '' : 's'}, every wanted one up${args.ready ? ' and ready' : ''}`);
    return CHECK_HEALTHY;
  }
  const list = found.services.filter((s) => problems.has(s.name)).map((s) => `${s.name} (${problems.get(s.name) ?? ''})`);
  output.out(`svinit check: unhealthy: ${problems.size} of ${total} not up${args.ready ? ' and ready' : ''}: ${list.join(', ')}`);
  return CHECK_UNHEALTHY;
}
