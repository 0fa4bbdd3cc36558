// Harness for the probes' tests (--http): a real bin/svinit over a temp tree with `--http
// 127.0.0.1:0` (the kernel picks a free port; svinit's info line says which), plain requests
// through Node's own http client, and raw sockets for the hostile ones.
import type { TestContext } from 'node:test';
import { request } from 'node:http';
import { spawnSync } from 'node:child_process';
import { Init, Tree, waitFor, type ServiceFiles } from './init-harness.js';

export { Init, Tree, waitFor };

/** One answer, as read off the wire. */
export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A running svinit with its probes. */
export interface Probed {
  readonly init: Init;
  readonly tree: Tree;
  readonly port: number;
  readonly url: string;
}

/** Starts svinit over `services` with --http on a free loopback port; torn down after the test. */
export async function startProbed(t: TestContext, services: Record<string, ServiceFiles>, args: readonly string[] = []): Promise<Probed> {
  const tree = new Tree(services);
  const init = new Init(['--dir', tree.sv, '--http', '127.0.0.1:0', ...args]);
  t.after(async () => {
    if (init.running) {
      await init.signal('SIGTERM').catch(() => undefined);
      await init.exit(10_000).catch(() => undefined);
    }
    init.kill();
    tree.cleanup();
  });
  await waitFor(() => /on http:\/\/127\.0\.0\.1:\d+ /.test(init.stderr) || !init.running, 20_000, 'the --http line');
  const m = /on http:\/\/127\.0\.0\.1:(\d+) /.exec(init.stderr);
  if (m === null) throw new Error(`svinit did not serve --http; stderr:\n${init.stderr}`);
  const port = Number(m[1]);
  return { init, tree, port, url: `http://127.0.0.1:${port}` };
}

/** One request on a connection of its own (`agent: false`), as a kubelet probe makes it. */
export function get(url: string, path: string, method = 'GET', timeoutMs = 5000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Polls `path` until `ok(reply)` holds; returns that reply. */
export async function until(url: string, path: string, ok: (r: Reply) => boolean, timeoutMs: number, what: string): Promise<Reply> {
  let last: Reply | null = null;
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    last = await get(url, path).catch(() => null);
    if (last !== null && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last answer: ${last === null ? 'none' : `${last.status} ${last.body.slice(0, 300)}`}`);
}

/** Why a tool cannot be run here (not installed), or false. */
export function missingTool(name: string, why: string): string | false {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? false : `${name} is not installed (${why})`;
}

/** A run script that stays up while $M/NAME.crash is absent and exits 3 at once while it exists. */
export function flapRun(name: string): string {
  return `#!/bin/sh\nif [ -e $M/${name}.crash ]; then exit 3; fi\necho $$ > $M/${name}.ready\nexec sleep 1000\n`;
}
