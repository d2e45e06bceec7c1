// Portico on Deno: the deno binary from node_modules runs the same CLI as Node (validate,
// the pure translator, serve with real traffic) and must answer exactly as Node does.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { Agent as HttpAgent, createServer, request as httpRequest, type Server } from 'node:http';
import { connect as h2connect } from 'node:http2';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli, REPO } from '../cli/run-cli.ts';
import { adminGet, freePort, httpGet, httpsGet } from '../e2e/serve-process.ts';
import { waitFor } from '../provider/wait.ts';
import { echoBackend as echoBackendManifests } from '../helpers/manifests.ts';

// The deno package's postinstall puts the binary itself at node_modules/deno/deno; without
// it, .bin/deno is the package's node launcher, which works too.
const DENO = [resolve(REPO, 'node_modules/deno/deno'), resolve(REPO, 'node_modules/.bin/deno')].find((p) => existsSync(p))!;
const CONFIG = resolve(REPO, 'deno.json');
// No update check (it would reach the network) and no colors in the compared output.
const ENV = { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };

interface Run { code: number | null; stdout: string; stderr: string }

function deno(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(DENO, ['run', '-A', '--config', CONFIG, ...args], { cwd: opts.cwd ?? REPO, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(`deno ${args.join(' ')} timed out\n${stderr}`)); }, opts.timeoutMs ?? 120_000);
    child.on('error', fail);
    child.on('close', (code) => { clearTimeout(timer); done({ code, stdout, stderr }); });
  });
}

function nodeTs(args: string[]): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(`node ${args.join(' ')} timed out`)); }, 120_000);
    child.on('close', (code) => { clearTimeout(timer); done({ code, stdout, stderr }); });
  });
}

function tempDir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'portico-deno-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

const CLI = resolve(REPO, 'gateway/cli.ts');

interface DenoServe { child: ChildProcess; stderr: () => string; admin: string; stop(): Promise<number | null | 'hung'> }

/** `portico serve` under Deno, once its admin endpoint answers /readyz 200. */
async function denoServe(args: string[]): Promise<DenoServe> {
  const child = spawn(DENO, ['run', '-A', '--config', CONFIG, CLI, 'serve', '--admin', '127.0.0.1:0', '--poll-ms', '300', '--access-log', 'off', ...args],
    { cwd: REPO, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c) => (err += c));
  child.stdout!.resume();
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const stop = async () => {
    if (child.exitCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
    if (code === 'hung') child.kill('SIGKILL');
    return code;
  };
  try {
    const admin = await waitFor(() => {
      for (const line of err.split('\n')) {
        try { const j = JSON.parse(line); if (j.msg === 'portico serving') return j.admin as string; } catch { /* partial line */ }
      }
      return undefined;
    }, 60_000, `admin address in deno's logs:\n${err}`);
    let ready = false;
    await waitFor(() => {
      void adminGet(admin, '/readyz').then((r) => { ready = r.status === 200; }, () => {});
      return ready;
    }, 60_000, `readyz 200\n${err}`);
    return { child, stderr: () => err, admin, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function echoBackend(): Promise<{ server: Server; port: number }> {
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url, host: req.headers.host, via: req.headers['x-via'] ?? null }));
  });
  await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  return { server, port: (server.address() as { port: number }).port };
}

const gatewayYaml = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: deno }
spec:
  gatewayClassName: portico
  listeners: [{ name: http, port: 80, protocol: HTTP }]
`;

const routeYaml = (backendPort: number) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: deno }
spec:
  parentRefs: [{ name: gw }]
  hostnames: [deno.example]
  rules:
    - matches: [{ path: { type: RegularExpression, value: "/app/[a-z]+" }, headers: [{ name: x-env, value: test }] }]
      filters: [{ type: RequestHeaderModifier, requestHeaderModifier: { add: [{ name: x-via, value: deno }] } }]
      backendRefs: [{ name: echo, port: 8080 }]
    - matches: [{ path: { type: PathPrefix, value: /plain } }]
      backendRefs: [{ name: echo, port: 8080 }]
---
${echoBackendManifests('deno', backendPort)}`;

test('deno: the runtime seam picks deno.ts; env() reads only what --allow-env grants, without throwing', async () => {
  const probe = resolve(REPO, 'test/deno/runtime-probe.ts');
  const env = { ...ENV, PORTICO_DENO_PROBE: 'yes', PORTICO_DENO_OTHER: 'hidden' };
  const d = await new Promise<Run>((done, fail) => {
    const child = spawn(DENO, ['run', '--allow-read', '--allow-env=PORTICO_DENO_PROBE', '--config', CONFIG, probe, 'a', '--b'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error('probe timed out')); }, 60_000);
    child.on('close', (code) => { clearTimeout(timer); done({ code, stdout, stderr }); });
  });
  assert.is(d.code, 0, d.stderr);
  assert.equal(JSON.parse(d.stdout), { runtime: 'deno', argv: ['a', '--b'], allowed: 'yes', other: null, main: true });
  // Node, for contrast, reads any variable.
  const n = await new Promise<Run>((done) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), probe, 'a'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
  assert.is(n.code, 0, n.stderr);
  assert.equal(JSON.parse(n.stdout), { runtime: 'node', argv: ['a'], allowed: 'yes', other: 'hidden', main: true });
});

test('deno: validate dist/ exits 0 with the same lines as Node', async () => {
  const [d, n] = await Promise.all([deno([CLI, 'validate', 'dist/']), runCli(['validate', 'dist/'])]);
  assert.is(d.code, 0, d.stderr);
  assert.is(n.code, 0, n.stderr);
  assert.match(d.stderr, / 0 errors, /);
  assert.is(d.stdout, n.stdout);
  assert.is(d.stderr, n.stderr);
});

test('deno: bin/portico.ts (source) and build/bin/portico.js (compiled, no loader) are the same CLI', async () => {
  for (const bin of ['bin/portico.ts', 'build/bin/portico.js']) {
    const r = await deno([resolve(REPO, bin), 'validate', 'dist/']);
    assert.is(r.code, 0, `${bin}: ${r.stderr}`);
    assert.match(r.stderr, / 0 errors, /);
    const help = await deno([resolve(REPO, bin), 'help']);
    assert.is(help.code, 0, help.stderr);
    assert.match(help.stdout, /^usage: portico <command>/);
  }
});

test('deno: validate of broken manifests exits 1 with the same lines as Node (schema, CEL, YAML errors)', async () => {
  const dir = tempDir({
    'gw.yaml': gatewayYaml,
    'route.yaml': routeYaml(8080).replace('value: /plain }', 'value: no-slash }'),
    'broken.yaml': 'kind: [\n',
  });
  try {
    const [d, n] = await Promise.all([deno([CLI, 'validate', '.'], { cwd: dir }), runCli(['validate', '.'], { cwd: dir })]);
    assert.is(d.code, 1, d.stdout + d.stderr);
    assert.is(n.code, 1, n.stdout + n.stderr);
    assert.ok(d.stdout.split('\n').some((l) => /^route\.yaml:\d+: HTTPRoute deno\/web spec\.rules\[1\]\.matches\[0\]\.path/.test(l)), d.stdout);
    assert.ok(d.stdout.split('\n').some((l) => l.startsWith('broken.yaml:2: ')), d.stdout);
    assert.is(d.stdout, n.stdout);
    assert.is(d.stderr, n.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deno: the pure translator gives byte-identical JSON to Node', async () => {
  const dir = tempDir({ 'gw.yaml': gatewayYaml, 'route.yaml': routeYaml(9999) });
  try {
    const script = resolve(REPO, 'test/deno/translate-json.ts');
    const [d, n] = await Promise.all([deno([script, 'dist', dir]), nodeTs([script, 'dist', dir])]);
    assert.is(d.code, 0, d.stderr);
    assert.is(n.code, 0, n.stderr);
    const table = JSON.parse(d.stdout).table;
    assert.ok(JSON.stringify(table).includes('deno.example'), 'the small snapshot reached the table');
    assert.ok(d.stdout.length > 1000, d.stdout);
    assert.is(d.stdout, n.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deno: serve routes real HTTP traffic to an echo backend and answers /readyz; SIGTERM stops it', async () => {
  const be = await echoBackend();
  const dir = tempDir({ 'gw.yaml': gatewayYaml, 'route.yaml': routeYaml(be.port) });
  const port = await freePort();
  let gw: DenoServe | undefined;
  try {
    gw = await denoServe(['--manifests', dir, '--port-offset', String(port - 80)]);
    // Given the regex rule with a header match, the request gets the filter's header on the way.
    const hit = await httpGet('127.0.0.1', port, '/app/abc', { host: 'deno.example', 'x-env': 'test' });
    assert.is(hit.status, 200, hit.body);
    assert.equal(JSON.parse(hit.body), { path: '/app/abc', host: 'deno.example', via: 'deno' });
    // The prefix rule has no filter; without the header the regex rule does not match.
    const plain = await httpGet('127.0.0.1', port, '/plain/x', { host: 'deno.example' });
    assert.equal(JSON.parse(plain.body), { path: '/plain/x', host: 'deno.example', via: null });
    assert.is((await httpGet('127.0.0.1', port, '/app/abc', { host: 'deno.example' })).status, 404);
    assert.is((await httpGet('127.0.0.1', port, '/app/x', { host: 'other.example' })).status, 404);

    // A changed file is picked up (Deno's watcher or the rescan) without a restart.
    writeFileSync(join(dir, 'route.yaml'), routeYaml(be.port).replace('value: /plain }', 'value: /moved }'));
    let moved = false;
    await waitFor(() => {
      void httpGet('127.0.0.1', port, '/moved/1', { host: 'deno.example' }).then((r) => { moved = r.status === 200; }, () => {});
      return moved;
    }, 60_000, `reload\n${gw.stderr()}`);

    const status = await adminGet(gw.admin, '/status');
    assert.is(status.status, 200);
    assert.match(status.body, /"Accepted"/);

    assert.is(await gw.stop(), 0, `deno serve did not exit cleanly on SIGTERM:\n${gw.stderr()}`);
    assert.match(gw.stderr(), /"signal":"SIGTERM","msg":"shutting down"/);
  } finally {
    await gw?.stop();
    await new Promise<void>((r) => be.server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deno: serve --workers 2 says it runs single-process, and serves', async () => {
  const be = await echoBackend();
  const dir = tempDir({ 'gw.yaml': gatewayYaml, 'route.yaml': routeYaml(be.port) });
  const port = await freePort();
  let gw: DenoServe | undefined;
  try {
    gw = await denoServe(['--manifests', dir, '--port-offset', String(port - 80), '--workers', '2']);
    assert.match(gw.stderr(), /--workers 2: Deno [^"]*runs single-process/);
    assert.match(gw.stderr(), /"workers":1,"msg":"portico serving"/);
    assert.is((await httpGet('127.0.0.1', port, '/plain/x', { host: 'deno.example' })).status, 200);
    assert.is(await gw.stop(), 0, gw.stderr());
  } finally {
    await gw?.stop();
    await new Promise<void>((r) => be.server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deno: many requests on one keep-alive connection are all served on that connection', async () => {
  const be = await echoBackend();
  const dir = tempDir({ 'gw.yaml': gatewayYaml, 'route.yaml': routeYaml(be.port) });
  const port = await freePort();
  let gw: DenoServe | undefined;
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  try {
    gw = await denoServe(['--manifests', dir, '--port-offset', String(port - 80)]);
    const sockets = new Set<unknown>();
    for (let i = 0; i < 200; i++) {
      const status = await new Promise<number>((done, fail) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: `/plain/${i}`, headers: { host: 'deno.example' }, agent }, (res) => {
          sockets.add(res.socket);
          res.resume();
          res.on('end', () => done(res.statusCode!));
        });
        req.on('error', fail);
        req.end();
      });
      assert.is(status, 200, `request ${i}`);
    }
    assert.is(sockets.size, 1, `200 requests used ${sockets.size} connections`);
  } finally {
    agent.destroy();
    await gw?.stop();
    await new Promise<void>((r) => be.server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deno: serve terminates TLS from a manifest Secret, for HTTP/1.1 and HTTP/2 (ALPN)', async () => {
  const be = await echoBackend();
  const dir = tempDir({});
  const host = 'secure.deno.example';
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    '-days', '2', '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host}`], { stdio: 'ignore' });
  const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  const b64 = (t: string) => Buffer.from(t).toString('base64');
  writeFileSync(join(dir, 'app.yaml'), gatewayYaml.replace('listeners: [{ name: http, port: 80, protocol: HTTP }]',
    `listeners: [{ name: https, port: 443, protocol: HTTPS, hostname: ${host}, tls: { mode: Terminate, certificateRefs: [{ name: site-cert }] } }]`) + `---
apiVersion: v1
kind: Secret
metadata: { name: site-cert, namespace: deno }
type: kubernetes.io/tls
data: { tls.crt: ${b64(cert)}, tls.key: ${b64(readFileSync(join(dir, 'key.pem'), 'utf8'))} }
---
` + routeYaml(be.port).replace('hostnames: [deno.example]', `hostnames: [${host}]`));
  for (const f of ['key.pem', 'cert.pem']) rmSync(join(dir, f));
  const port = await freePort();
  let gw: DenoServe | undefined;
  try {
    gw = await denoServe(['--manifests', dir, '--port-offset', String(port - 443)]);
    const h1 = await httpsGet(port, host, '/plain/h1', cert);
    assert.is(h1.status, 200, h1.body);
    assert.equal(JSON.parse(h1.body), { path: '/plain/h1', host, via: null });

    const h2 = await new Promise<{ status: unknown; body: string }>((done, fail) => {
      const session = h2connect(`https://${host}:${port}`, { ca: cert, servername: host, host: '127.0.0.1' } as never);
      session.on('error', fail);
      const st = session.request({ ':path': '/app/two', ':authority': host, 'x-env': 'test' });
      st.setTimeout(30_000, () => st.close());
      let status: unknown;
      let body = '';
      st.setEncoding('utf8');
      st.on('response', (h) => (status = h[':status']));
      st.on('data', (c) => (body += c));
      st.on('close', () => { session.close(); done({ status, body }); });
      st.on('error', fail);
      st.end();
    });
    assert.is(h2.status, 200, h2.body);
    assert.equal(JSON.parse(h2.body), { path: '/app/two', host, via: 'deno' });
  } finally {
    await gw?.stop();
    await new Promise<void>((r) => be.server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
