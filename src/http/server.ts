// The probes' HTTP server (--http): GET /healthz, /readyz, /status and /metrics, read-only, from
// svinit's memory. Loaded only with --http (node:http costs start-up time and memory). Hostile
// clients are bounded: header and URL size, a deadline per request and per idle keep-alive, a cap
// on connections; every answer is computed synchronously from memory, in well under a millisecond
// for a few dozen services, so no client can hold up supervision or signal handling.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { route } from './routes.js';
import type { ProbeSource } from './source.js';

/** Connections served at once; beyond it a new one is closed at once (Node's maxConnections). */
export const MAX_CONNECTIONS = 64;
/** Bytes of request line and headers (a larger request gets 431 and the connection closes). */
export const MAX_HEADER_BYTES = 8192;
/** Bytes of a request target (a longer one gets 414). */
export const MAX_URL_BYTES = 1024;
/** From a connection's start, or the end of the last answer on it, until its next request is in. */
export const REQUEST_DEADLINE_MS = 5000;

// Node's http.Server enforces its own headersTimeout and requestTimeout from one interval timer
// that wakes every connectionsCheckingInterval (30 s) for as long as the server listens, even
// with nobody connected. Instead: the largest interval a timer takes (about 24.8 days: a larger
// one fires after 1 ms), Node's timeouts off, and one deadline timer per open connection.
const NEVER_MS = 2 ** 31 - 1;

/** Where the server listens. */
export interface HttpAddress {
  readonly host: string;
  readonly port: number;
}

/** A listening probe server. */
export interface ProbeServer {
  /** The address it is bound to (the port chosen by the kernel when 0 was asked). */
  readonly address: HttpAddress;
  close(): void;
}

const deadlines = new WeakMap<Socket, NodeJS.Timeout>();

/** (Re)arms the connection's deadline: when it passes, the connection is closed. */
function arm(socket: Socket): void {
  clearTimeout(deadlines.get(socket));
  const t = setTimeout(() => socket.destroy(), REQUEST_DEADLINE_MS);
  deadlines.set(socket, t);
}

function disarm(socket: Socket): void {
  clearTimeout(deadlines.get(socket));
  deadlines.delete(socket);
}

function answer(req: IncomingMessage, res: ServerResponse, source: ProbeSource, log: Logger): void {
  const socket = req.socket;
  disarm(socket);
  res.once('finish', () => { if (!socket.destroyed) arm(socket); });
  // A request with a body (none of ours takes one) is answered, then its connection closed: its
  // body is never read.
  if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) res.shouldKeepAlive = false;
  let r;
  try {
    r = (req.url ?? '').length > MAX_URL_BYTES
      ? { status: 414, type: 'text/plain; charset=utf-8', body: `request target longer than ${MAX_URL_BYTES} bytes\n` }
      : route(req.method ?? '', req.url ?? '', source);
  } catch (err) {
    log.warning(`--http: unable to answer ${req.method ?? '?'} ${(req.url ?? '').slice(0, 64)}: ${(err as Error).stack ?? String(err)}`);
    r = { status: 500, type: 'text/plain; charset=utf-8', body: 'internal error\n' };
  }
  const headers: Record<string, string | number> = {
    'content-type': r.type, 'content-length': Buffer.byteLength(r.body), 'cache-control': 'no-store',
  };
  if (r.status === 405) headers['allow'] = 'GET, HEAD';
  res.writeHead(r.status, headers);
  res.end(req.method === 'HEAD' ? undefined : r.body);
}

/** A request Node's parser refused (garbage, oversized headers): one short answer, then closed. */
function refuse(err: NodeJS.ErrnoException, socket: Socket): void {
  if (socket.writable && !socket.destroyed) {
    const head = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${head}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  }
  // If the client does not read even that, the deadline armed at its connection closes it.
}

/** Starts the server on `addr`; rejects with the listen error (EADDRINUSE, EADDRNOTAVAIL, EACCES). */
export function listenProbes(addr: HttpAddress, source: ProbeSource, log: Logger): Promise<ProbeServer> {
  const server: Server = createServer({
    maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: 0, headersTimeout: 0, connectionsCheckingInterval: NEVER_MS,
    keepAliveTimeout: REQUEST_DEADLINE_MS, noDelay: true,
  }, (req, res) => answer(req, res, source, log));
  server.maxConnections = MAX_CONNECTIONS;
  server.on('connection', (socket: Socket) => {
    arm(socket);
    socket.once('close', () => disarm(socket));
  });
  server.on('clientError', refuse);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: addr.host, port: addr.port }, () => {
      server.off('error', reject);
      // Accept errors later (EMFILE) are logged; the server goes on.
      server.on('error', (err) => log.warning(`--http: ${err.message}`));
      // The server never keeps svinit alive by itself.
      server.unref();
      const a = server.address();
      const port = typeof a === 'object' && a !== null ? a.port : addr.port;
      resolve({ address: { host: addr.host, port }, close: () => server.close() });
    });
  });
}
