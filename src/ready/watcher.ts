// The readiness watch of one service: reads its settings at each start of ./run (notification-fd,
// notify, check, timeout-ready), picks the dialect, and adds what every dialect shares: the
// timeout-ready timer (not ready in time: a failed start) and one line per setting problem.
import type { Logger } from '../log/logger.js';
import type { ChildRunner } from '../supervise/override.js';
import type { ReadySink, ReadyWatch, ReadyWatcher } from '../supervise/readiness.js';
import { readReadiness, type ReadyDialect } from '../service/readiness-files.js';
import { checkWatch } from './check-poll.js';
import type { DialectWatch } from './dialect.js';
import { notificationFdWatch } from './notification-fd.js';
import type { NotifySocket } from './notify-socket.js';

export interface WatcherParts {
  readonly name: string;
  readonly dir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly runner: ChildRunner;
  readonly log: Logger;
  /** The shared sd_notify socket, opened when first needed. */
  readonly notify: () => NotifySocket;
}

/** No dialect: ready the moment ./run runs (runit's meaning of up). */
function upWatch(sink: ReadySink): DialectWatch {
  return { extraFds: [], env: {}, waitingFor: './run to start', started: () => sink.ready('up'), settled: () => undefined, end: () => undefined };
}

function dialectWatch(d: ReadyDialect, parts: WatcherParts, sink: ReadySink): DialectWatch {
  switch (d.kind) {
    case 'fd': return notificationFdWatch(d.fd, sink);
    case 'notify': return parts.notify().watch(parts.name, sink);
    case 'check': return checkWatch(parts, sink);
    case 'up': return upWatch(sink);
  }
}

/** The ReadyWatcher of one service directory. */
export function readinessWatcher(parts: WatcherParts): ReadyWatcher {
  let reported = '';
  return (sink) => {
    const settings = readReadiness(parts.dir);
    const text = settings.problems.map((p) => p.message).join('\n');
    if (text !== reported && text !== '') for (const p of settings.problems) parts.log.warning(`${parts.name}: ${p.message}`);
    reported = text;
    let timer: NodeJS.Timeout | null = null;
    let settledOnce = false;
    let inner: DialectWatch | null = null;
    const clear = (): void => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    };
    const wrapped: ReadySink = {
      ...sink,
      ready: (how) => {
        if (settledOnce) return;
        settledOnce = true;
        clear();
        inner?.settled();
        sink.ready(how);
      },
    };
    let d: DialectWatch;
    try {
      d = dialectWatch(settings.dialect, parts, wrapped);
    } catch (err) {
      // No pipe or no socket (EMFILE, say): this start counts as ready when up, and says why.
      parts.log.warning(`${parts.name}: unable to watch its readiness (${(err as Error).message}); it counts as ready when up`);
      d = upWatch(wrapped);
    }
    inner = d;
    const watch: ReadyWatch = {
      extraFds: d.extraFds,
      env: d.env,
      started: (pid) => {
        const ms = settings.timeoutReadyMs;
        if (ms > 0) {
          timer = setTimeout(() => {
            timer = null;
            if (!settledOnce) sink.failed(`not ready within ${ms} ms (timeout-ready), waiting for ${d.waitingFor}`);
          }, ms);
        }
        sink.waiting(`waiting for ${d.waitingFor}`);
        d.started(pid);
      },
      end: () => {
        clear();
        d.end();
      },
    };
    return watch;
  };
}
