// The Kubernetes example (examples/kubernetes/pod.yaml) under `podman kube play`: an image built
// with `podman build` from the debootstrap root filesystem and the package installed without a
// compiler, the example's args and httpGet probes as written (curl in the image), and the stop Kubernetes would make. podman
// 4.3's `kube down` stops with a zero timeout and `kube play` ignores terminationGracePeriodSeconds,
// so the pod is stopped with `podman pod stop -t` the YAML's grace (shared/spec/decisions.md).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { repoRoot } from '../helpers/fixtures.js';
import { PACK_SKIP, installTarball, pack, prebuild } from '../helpers/packed.js';
import { NODE_HEADER, PODMAN_SKIP, ROOTFS_IMAGE, ensureRootfsImage, podman, podmanOk } from '../helpers/podman.js';
import { waitFor } from './init-harness.js';

const SKIP = PACK_SKIP || PODMAN_SKIP;
const IMAGE = `localhost/svinit-test/app:${process.pid}`;
const work = mkdtempSync(join(tmpdir(), 'svinit-kube-'));
// kube play takes no --ulimit: the limits this machine allows come from a containers.conf. Soft
// and hard are equal because podman 4.3's kube play swaps them (1024:20000 reaches runc as soft
// 20000 over hard 1024, which setrlimit refuses with EINVAL).
const conf = join(work, 'containers.conf');
writeFileSync(conf, '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n');
const env = { ...process.env, CONTAINERS_CONF: conf };
let pod = '';

after(() => {
  if (pod !== '') podman(['pod', 'rm', '-f', '-t', '0', pod], 60_000, env);
  podman(['rmi', '-f', IMAGE]);
  rmSync(work, { recursive: true, force: true });
});

/** A service that says when it is up and when its 300 ms cleanup is done. */
function service(name: string): string {
  return `#!/bin/sh\ntrap 'sleep 0.3; echo "${name}: clean"; exit 0' TERM\necho "${name}: up"\n` +
    'while :; do sleep 1000 & wait $!; done\n';
}

/** The app image: the rootfs, this machine's Node, the installed package on PATH, two services. */
function buildImage(): void {
  const ctx = join(work, 'ctx');
  mkdirSync(ctx);
  const app = installTarball(pack().tarball);
  cpSync(app.dir, join(ctx, 'app'), { recursive: true, verbatimSymlinks: true });
  cpSync(process.execPath, join(ctx, 'node'));
  writeFileSync(join(ctx, 'node_version.h'), existsSync(NODE_HEADER) ? readFileSync(NODE_HEADER) : '');
  for (const name of ['a', 'b']) {
    mkdirSync(join(ctx, 'services', name), { recursive: true });
    writeFileSync(join(ctx, 'services', name, 'run'), service(name), { mode: 0o755 });
  }
  writeFileSync(join(ctx, 'Containerfile'), [
    `FROM ${ROOTFS_IMAGE}`,
    'COPY node /usr/local/bin/node',
    'COPY node_version.h /usr/local/include/node/node_version.h',
    'COPY app /opt/app',
    'COPY services /etc/service',
    'RUN ln -s /opt/app/node_modules/.bin/svinit /usr/local/bin/svinit',
    'ENTRYPOINT ["svinit"]',
  ].join('\n'));
  podmanOk(['build', '--pull=never', '--network', 'none', '-t', IMAGE, ctx], 300_000, env);
}

test('the Kubernetes example under podman kube play: probe healthy, pod stop inside the grace, every service graceful', { skip: SKIP }, async (t) => {
  prebuild();
  ensureRootfsImage();
  buildImage();
  const yaml = readFileSync(join(repoRoot, 'examples', 'kubernetes', 'pod.yaml'), 'utf8');
  const grace = Number(/terminationGracePeriodSeconds: (\d+)/.exec(yaml)?.[1]);
  const svinitGrace = Number(/args: \["--grace", "(\d+)"/.exec(yaml)?.[1]);
  const httpPort = Number(/"--http", "0\.0\.0\.0:(\d+)"/.exec(yaml)?.[1]);
  assert.ok(httpPort > 0, 'the example serves its probes with --http 0.0.0.0:PORT');
  assert.match(yaml, new RegExp(`livenessProbe:\\s+httpGet:\\s+path: /healthz\\s+port: ${httpPort}`));
  assert.ok(svinitGrace < grace, `--grace ${svinitGrace} inside terminationGracePeriodSeconds ${grace}`);
  pod = /^ {2}name: (\S+)$/m.exec(yaml)?.[1] ?? '';
  const played = join(work, 'pod.yaml');
  writeFileSync(played, yaml.replace(/image: \S+/, `image: ${IMAGE}`));
  podmanOk(['kube', 'play', '--network', 'none', played], 120_000, env);
  const ctr = `${pod}-app`;
  const logs = (): string => {
    const r = podman(['logs', ctr], 60_000, env);
    return `${r.stdout}${r.stderr}`;
  };
  await waitFor(() => /a: up/.test(logs()) && /b: up/.test(logs()), 30_000, 'both services up');
  // The example's liveness probe, as podman turned it into the container's healthcheck (httpGet:
  // curl inside the container); the readiness path, by the same curl.
  const health = podman(['healthcheck', 'run', ctr], 60_000, env);
  assert.equal(health.status, 0, `GET /healthz as the probe: ${health.stdout}${health.stderr}`);
  const ready = podman(['exec', ctr, 'curl', '-s', '-w', ' %{http_code}', `http://localhost:${httpPort}/readyz`], 60_000, env);
  assert.equal(ready.stdout, 'ready\n 200', `GET /readyz: ${ready.stdout}${ready.stderr}`);
  const t0 = performance.now();
  podmanOk(['pod', 'stop', '-t', String(grace), pod], 120_000, env);
  const ms = performance.now() - t0;
  t.diagnostic(`podman pod stop -t ${grace} took ${Math.round(ms)} ms`);
  assert.ok(ms < 5000, `pod stop took ${ms} ms`);
  assert.equal(podmanOk(['inspect', '-f', '{{.State.ExitCode}}', ctr], 60_000, env).trim(), '0', logs());
  assert.match(logs(), /a: clean/);
  assert.match(logs(), /b: clean/);
  assert.match(logs(), new RegExp(`svinit: shutdown: SIGTERM: 2 service\\(s\\) stopped in \\d+ ms \\(grace ${svinitGrace}000 ms\\).*exit 0`));
});
