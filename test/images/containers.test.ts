// The container images, built and run for real: `npm run image`'s code builds the Node and Deno
// images FROM bases made here from Debian packages (mmdebstrap, no registry), then each image
// serves the example app's manifests (dist/, mounted read-only, on a read-only root filesystem,
// as its non-root user): /readyz turns 200, HTTPS traffic reaches a demo backend, and on SIGTERM
// /readyz turns 503 while requests are still answered, then the process exits 0.
// CI installs podman, buildah, runc and mmdebstrap (.ci/run); without them this file fails in CI
// and says why it did nothing elsewhere.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { startDemoBackends, type DemoBackends } from '../../apps/demo-backends.ts';
import { readManifestsOnce } from '../../gateway/provider/files/index.ts';
import { buildImages, ciBaseRuntime, containerfiles, makeCiBases, PODMAN } from '../../scripts/image.ts';
import { selfSignedCert } from '../helpers/self-signed.ts';
import { adminGet, freePort } from '../e2e/serve-process.ts';
import { waitFor } from '../provider/wait.ts';

const DIST = resolve(import.meta.dirname, '../../dist');
const SUBNET = 100 + Math.floor(Math.random() * 100);
const OFFSET = 21000;
const TOOLS = ['podman', 'mmdebstrap'];

interface Ctx { dir: string; backends: DemoBackends; images: Record<string, string> }
const images = suite<Ctx>('container images');

const missing = TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);

function tlsSecret(dir: string, name: string, namespace: string, hosts: string[]): string {
  const { cert, key } = selfSignedCert(dir, name, hosts);
  return stringify({
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name, namespace },
    data: { 'tls.crt': Buffer.from(cert).toString('base64'), 'tls.key': Buffer.from(key).toString('base64') },
  });
}

function httpsGet(address: string, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = httpsRequest({ host: address, port: 443 + OFFSET, path, servername: host, headers: { host }, rejectUnauthorized: false, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => done({ status: res.statusCode!, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end();
  });
}

const podman = (...args: string[]) => execFileSync('podman', [...PODMAN, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

images.before(async (ctx) => {
  if (missing.length > 0) return;
  ctx.dir = mkdtempSync(join(tmpdir(), 'portico-containers-'));
  // The image runs as uid 65532: the mounted files must be readable by it.
  chmodSync(ctx.dir, 0o755);
  writeFileSync(join(ctx.dir, 'secrets.yaml'), [
    tlsSecret(ctx.dir, 'wildcard-example-com-tls', 'portico-system', ['*.example.com', '*.shop.example.com', '*.payments.example.com']),
    tlsSecret(ctx.dir, 'pay-example-net-tls', 'payments', ['pay.example.net']),
  ].join('---\n'), { mode: 0o644 });
  const { snapshot } = await readManifestsOnce([DIST]);
  ctx.backends = await startDemoBackends(snapshot.services, { prefix: `127.${SUBNET}.2.` });
  writeFileSync(join(ctx.dir, 'endpoints.yaml'), ctx.backends.endpointSlices.map((s) => stringify(s)).join('---\n'), { mode: 0o644 });
  // Once per run: one Debian base, one image per Containerfile (no cache across runs).
  const names = ['node', 'deno'];
  ctx.images = buildImages({ only: names, bases: makeCiBases(names, `test-${process.pid}`), tag: `test-${process.pid}` });
});

images.after(async (ctx) => {
  if (missing.length > 0) return;
  await ctx.backends?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
  const refs = [...Object.values(ctx.images ?? {}), `localhost/portico-base-node:test-${process.pid}`, `localhost/portico-base-deno:test-${process.pid}`];
  spawnSync('podman', [...PODMAN, 'rmi', '--force', ...refs], { stdio: 'ignore' });
});

images('npm run image builds every images/*.Containerfile; the gateway images are non-root, with no RUN step', () => {
  const names = containerfiles().map((f) => f.name);
  for (const n of ['node', 'deno']) assert.ok(names.includes(n), `images/${n}.Containerfile`);
  for (const f of containerfiles()) assert.match(readFileSync(f.file, 'utf8'), /^ARG BASE=/m, `${f.name}: the base image is a build argument`);
  for (const f of containerfiles().filter((x) => x.name === 'node' || x.name === 'deno')) {
    const text = readFileSync(f.file, 'utf8');
    assert.is(ciBaseRuntime(f.name), f.name, `${f.name}: "# ci-base: ${f.name}"`);
    assert.match(text, /^USER 65532:65532$/m, `${f.name}: runs as a non-root user`);
    assert.not.match(text, /^RUN\b/m, `${f.name}: no RUN step (nothing compiled or installed in the final stage)`);
  }
});

images('the tools are installed (CI installs them; elsewhere this file says what it skipped)', () => {
  if (missing.length > 0 && process.env.CI) assert.unreachable(`missing ${missing.join(', ')}: .ci/run installs podman, buildah, runc and mmdebstrap`);
  if (missing.length > 0) console.log(`  container images not tested: ${missing.join(', ')} not installed (apt-get install podman buildah runc mmdebstrap)`);
});

for (const name of ['node', 'deno']) {
  images(`the ${name} image serves the example app, is ready, and drains on SIGTERM with exit 0`, async (ctx) => {
    if (missing.length > 0) return;
    const ref = ctx.images[name]!;
    const [user] = podman('image', 'inspect', '--format', '{{.Config.User}}', ref).split('\n');
    assert.is(user, '65532:65532', 'runs as a non-root user');
    const admin = `127.0.0.1:${await freePort()}`, probes = `127.0.0.1:${await freePort()}`;
    const container = `portico-test-${name}-${process.pid}`;
    podman('run', '--detach', '--name', container, '--network', 'host', '--read-only', '--tmpfs', '/tmp',
      '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024',
      '--volume', `${DIST}:/manifests/dist:ro`, '--volume', `${ctx.dir}:/manifests/extra:ro`,
      ref, 'serve', '--manifests', '/manifests/dist', '--manifests', '/manifests/extra/secrets.yaml', '--manifests', '/manifests/extra/endpoints.yaml',
      '--port-offset', String(OFFSET), '--address-pool', `127.${SUBNET}.1.0/24`, '--bind', '127.0.0.1',
      '--admin', admin, '--probes', probes, '--access-log', 'off', '--drain-delay', '3', '--drain-timeout', '10');
    const logs = () => { const l = spawnSync('podman', [...PODMAN, 'logs', container], { encoding: 'utf8' }); return `${l.stdout}${l.stderr}`; };
    try {
      let ready = 0;
      await waitFor(() => { void adminGet(probes, '/readyz').then((r) => { ready = r.status; }, () => {}); return ready === 200; }, 90_000, `${name}: /readyz 200\n${logs()}`);
      const config = JSON.parse((await adminGet(admin, '/config')).body);
      const address = config.table.gateways.find((g: any) => g.key === 'portico-system/public').addresses[0];
      const r = await httpsGet(address, 'www.shop.example.com', '/');
      assert.is(r.status, 200, r.body);
      assert.is(JSON.parse(r.body).service, 'storefront-v1', 'the route reached its demo backend');
      assert.is((await adminGet(probes, '/status')).status, 404, 'the probes port does not reveal the routing table');

      podman('kill', '--signal', 'TERM', container);
      // During --drain-delay the pod is taken out of the Service (503) while requests still succeed.
      let draining = 0;
      await waitFor(() => { void adminGet(probes, '/readyz').then((x) => { draining = x.status; }, () => {}); return draining === 503; }, 10_000, `${name}: /readyz 503 after SIGTERM\n${logs()}`);
      assert.is((await httpsGet(address, 'www.shop.example.com', '/')).status, 200, 'requests during the drain delay are still served');
      const code = podman('wait', container);
      assert.is(code, '0', `${name} exit code\n${logs()}`);
      assert.match(logs(), /shutting down|drain/i);
    } finally {
      spawnSync('podman', [...PODMAN, 'rm', '--force', container], { stdio: 'ignore' });
    }
  });
}

images.run();
