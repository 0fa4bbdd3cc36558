// --http: loads the probes' server (node:http is loaded only here, only then), binds it before
// anything starts (a port in use is a setup error, exit 111) and lets it see the init through a
// view the init keeps current: its engine's memory, its phase, its shutdown.
import type { Engine } from '../engine/engine.js';
import type { HttpAddress } from '../http/server.js';
import type { ProbeSource } from '../http/source.js';
import type { Logger } from '../log/logger.js';
import type { Reaper } from '../process/reaper.js';
import type { InitPhase } from '../protocol/readiness.js';
import type { Shutdown } from '../shutdown/shutdown.js';

/** The init at one moment, as the probes see it. */
export interface InitView {
  readonly engine: Engine;
  readonly phase: InitPhase;
  readonly shutdown: Shutdown | null;
}

/** How the init shows itself to the probes: it hands over a function that returns its view. */
export type Observe = (view: () => InitView) => void;

/** `host:port`, IPv6 in brackets, as a URL and --http write it. */
export function hostPort(addr: HttpAddress): string {
  return addr.host.includes(':') ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`;
}

/** Starts the server on `addr`; null (after one fatal line) when it cannot listen there. */
export async function startProbes(addr: HttpAddress, reaper: Reaper, log: Logger): Promise<Observe | null> {
  const { listenProbes } = await import('../http/server.js');
  let view: (() => InitView) | null = null;
  const source: ProbeSource = {
    services: () => view?.().engine.snapshot() ?? [],
    phase: () => view?.().phase ?? 'starting',
    shutdown: () => view?.().shutdown?.progress() ?? null,
    orphansReaped: () => reaper.stats().orphansReaped,
  };
  try {
    const server = await listenProbes(addr, source, log);
    log.info(`--http: serving GET /healthz, /readyz, /status and /metrics on http://${hostPort(server.address)} (read-only)`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    const fix = code === 'EADDRINUSE' ? 'another process listens there: choose another port'
      : code === 'EADDRNOTAVAIL' ? 'no interface has that address: use 127.0.0.1, 0.0.0.0 or one of the container\'s addresses'
        : code === 'EACCES' ? 'ports below 1024 need CAP_NET_BIND_SERVICE: choose a port above 1023' : 'choose another address or port';
    log.fatal(`unable to listen on --http ${hostPort(addr)}: ${code}; ${fix}`);
    return null;
  }
  return (v) => { view = v; };
}
