// systemd's sd_notify for services with a `notify` file: one datagram socket that svinit owns (an
// abstract unix name, in the addon, watched by libuv: nothing polls), given to ./run as
// NOTIFY_SOCKET. A datagram counts only when its sender (the kernel's SO_PASSCRED pid) is in the
// session of a watched ./run (every ./run leads its own session, so a daemon's helpers count), or is
// the MAINPID= that ./run named. READY=1 makes it ready; STATUS=, STOPPING=1 and MAINPID= are kept.
// Anything else (oversized, not KEY=VALUE lines, a stranger) is dropped with one line.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log/logger.js';
import { getsid, notifyClose, notifyOpen, type Datagram } from '../native/native.js';
import type { ReadySink } from '../supervise/readiness.js';
import type { DialectWatch } from './dialect.js';

/** The longest STATUS= text kept (systemd shows one line too). */
export const STATUS_MAX = 200;

/** A rejected datagram is logged at most once per this many ms per reason (a flood is one line). */
const REJECT_QUIET_MS = 1000;

interface Watched {
  readonly name: string;
  readonly sink: ReadySink;
  /** MAINPID= as ./run gave it (0: none). */
  mainPid: number;
  ready: boolean;
}

/** The one notify socket of this svinit, opened when the first service with `notify` starts. */
export class NotifySocket {
  /** The abstract socket's name (NOTIFY_SOCKET is "@" and this). */
  readonly name = `svinit/notify/${process.pid}/${randomBytes(6).toString('hex')}`;
  private open = false;
  /** Watched ./run, by its pid (= its session id). */
  private readonly bySession = new Map<number, Watched>();
  private readonly lastReject = new Map<string, number>();
  private dropped = 0;

  constructor(private readonly log: Logger) {}

  /** The watch of one ./run of service `name`. */
  watch(name: string, sink: ReadySink): DialectWatch {
    let session = 0;
    this.ensureOpen();
    return {
      extraFds: [],
      env: { NOTIFY_SOCKET: `@${this.name}` },
      waitingFor: 'READY=1 on $NOTIFY_SOCKET',
      started: (pid) => {
        session = pid;
        this.bySession.set(pid, { name, sink, mainPid: 0, ready: false });
      },
      settled: () => {
        const w = this.bySession.get(session);
        // STATUS= and STOPPING=1 still count once ready.
        if (w !== undefined) w.ready = true;
      },
      end: () => {
        if (session !== 0) this.bySession.delete(session);
        session = 0;
      },
    };
  }

  /** Closes the socket (every service is gone: the shutdown's end). */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.bySession.clear();
    notifyClose();
  }

  private ensureOpen(): void {
    if (this.open) return;
    notifyOpen(this.name, (list) => {
      for (const d of list) {
        try {
          this.take(d);
        } catch (err) {
          this.log.error(`internal error on the notify socket: ${(err as Error).stack ?? String(err)}`);
        }
      }
    });
    this.open = true;
  }

  /**
   * Which watched ./run a datagram belongs to: its sender is in that session, or is its MAINPID;
   * else why not, in words.
   */
  private owner(pid: number): Watched | string {
    if (pid <= 0) return 'the kernel gave no sender pid';
    const direct = this.bySession.get(pid);
    if (direct !== undefined) return direct;
    for (const w of this.bySession.values()) if (w.mainPid === pid) return w;
    const sid = getsid(pid);
    if (sid === null) return 'it had exited before svinit read the datagram, so its session cannot be checked (send from a process that stays, such as the daemon itself)';
    return this.bySession.get(sid) ?? 'it is not in the session of a service with a notify file (nor its MAINPID=)';
  }

  private reject(kind: string, message: string): void {
    const now = performance.now();
    if (now - (this.lastReject.get(kind) ?? -Infinity) < REJECT_QUIET_MS) {
      this.dropped++;
      return;
    }
    this.lastReject.set(kind, now);
    const more = this.dropped > 0 ? ` (${this.dropped} more dropped since the last such line)` : '';
    this.dropped = 0;
    this.log.warning(`notify socket: ${message}; ignored${more}`);
  }

  private take(d: Datagram): void {
    const w = this.owner(d.pid);
    if (typeof w === 'string') {
      this.reject('foreign', `unable to accept a datagram from pid ${d.pid}: ${w}`);
      return;
    }
    if (d.text === null) {
      this.reject(`big:${w.name}`, `unable to accept a datagram of ${d.length} bytes from ${w.name} (pid ${d.pid}): longer than 4096 bytes (send sd_notify's short KEY=VALUE lines)`);
      return;
    }
    const lines = d.text.split('\n').filter((l) => l !== '');
    if (lines.length === 0 || lines.some((l) => !/^[A-Z][A-Z0-9_]*=[^\0]*$/.test(l))) {
      this.reject(`garbage:${w.name}`, `unable to use a datagram from ${w.name} (pid ${d.pid}): not sd_notify's KEY=VALUE lines (${JSON.stringify(d.text.slice(0, 40))})`);
      return;
    }
    for (const line of lines) this.apply(w, d.pid, line);
  }

  private apply(w: Watched, sender: number, line: string): void {
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    switch (key) {
      case 'READY':
        if (value === '1') w.sink.ready('READY=1');
        return;
      case 'STATUS':
        w.sink.status(value === '' ? null : value.slice(0, STATUS_MAX));
        return;
      case 'STOPPING':
        if (value === '1') w.sink.stopping();
        return;
      case 'MAINPID': {
        const pid = /^\d{1,10}$/.test(value) ? Number(value) : 0;
        if (pid <= 1) {
          this.reject(`mainpid:${w.name}`, `unable to use MAINPID=${value.slice(0, 20)} from ${w.name} (pid ${sender}): not a pid`);
          return;
        }
        w.mainPid = pid;
        return;
      }
      default:
        // WATCHDOG=, RELOADING=, ERRNO=, FDSTORE= ...: not svinit's business, silently accepted.
        return;
    }
  }
}
