// What each path answers (--http): the status code, content type and body, from the source at
// the moment of the request. Read-only: no request changes anything.
import { readiness } from '../protocol/readiness.js';
import { statusJson, statusRow } from '../protocol/status-model.js';
import { metricsText, METRICS_CONTENT_TYPE } from './metrics.js';
import type { ProbeSource } from './source.js';

/** One answer. */
export interface Answer {
  readonly status: number;
  readonly type: string;
  readonly body: string;
}

const TEXT = 'text/plain; charset=utf-8';

/** The answer to `method target`. */
export function route(method: string, target: string, source: ProbeSource): Answer {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const known = path === '/healthz' || path === '/readyz' || path === '/status' || path === '/metrics';
  if (!known) return { status: 404, type: TEXT, body: 'not found: GET /healthz, /readyz, /status or /metrics\n' };
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, type: TEXT, body: 'read-only: use GET or HEAD\n' };
  // Answering at all shows that the event loop turns: the signal handlers and the reaper run on it too.
  if (path === '/healthz') return { status: 200, type: TEXT, body: 'ok\n' };
  const now = Date.now();
  const infos = source.services();
  const rows = infos === null ? null : infos.map((info) => statusRow(info, now));
  if (path === '/readyz') {
    const r = readiness(rows, source.phase());
    return r.ready ? { status: 200, type: TEXT, body: 'ready\n' } : { status: 503, type: TEXT, body: `not ready: ${r.reasons.join('; ')}\n` };
  }
  if (path === '/status') {
    if (rows === null) return { status: 501, type: TEXT, body: 'the runit engine keeps no status in svinit: run svinit status --json\n' };
    return { status: 200, type: 'application/json', body: `${statusJson(rows, now)}\n` };
  }
  return {
    status: 200, type: METRICS_CONTENT_TYPE,
    body: metricsText({ rows, phase: source.phase(), shutdown: source.shutdown(), orphansReaped: source.orphansReaped() }),
  };
}
