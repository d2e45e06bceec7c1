// The diff's sampled requests against real gateways: `portico serve` runs the base and the head
// manifests (one process each, real echo backends behind EndpointSlices), every request either
// side samples is sent to both, and each answer must be what the diff says that side does: the
// backend (one of the weighted ones), the status (404, a redirect), or no listener at all.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveSample, sampleLabel, sampleRequests, type Answer, type SampleRequest } from '../../gateway/diff/index.ts';
import { readManifestsOnce } from '../../gateway/provider/files/index.ts';
import { validateUpdate } from '../../gateway/cli/validate.ts';
import type { RoutingTable } from '../../gateway/ir/index.ts';
import { tempDir } from '../helpers/cli.ts';
import { waitFor } from '../provider/wait.ts';
import { adminGet, freePort, httpGet, serve, type Served } from '../e2e/serve-process.ts';
import { BACKENDS, scenario, type Ports } from './scenario.ts';

const NOW = '2026-12-06T00:00:00Z';

async function echo(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ service: name, path: req.url }));
  });
  await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  return { server, port: (server.address() as { port: number }).port };
}

function isFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createTcpServer();
    s.once('error', () => done(false));
    s.listen({ host: '127.0.0.1', port }, () => s.close(() => done(true)));
  });
}

/** A port offset under which the scenario's listener ports (80, 81) are both free. */
async function offset(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const p = await freePort();
    if (p < 65000 && await isFree(p + 1)) return p - 80;
  }
  throw new Error('no two adjacent free ports');
}

async function table(dir: string): Promise<RoutingTable> {
  const update = await readManifestsOnce([dir], () => NOW);
  return validateUpdate(update, 'portico.dev/gateway-controller', NOW).translation.table;
}

async function start(dir: string, off: number): Promise<Served> {
  const gw = serve(['--manifests', dir, '--port-offset', String(off), '--admin', '127.0.0.1:0', '--access-log', 'off']);
  const admin = await waitFor(() => gw.admin(), 20000, `admin address in logs:\n${gw.stderr()}`);
  let ready = false;
  await waitFor(() => {
    void adminGet(admin, '/readyz').then((r) => { ready = r.status === 200; }, () => {});
    return ready;
  }, 15000, `readyz 200\n${gw.stderr()}`);
  return gw;
}

/** What the gateway answered: the backend's name, a status, or refused. */
async function send(s: SampleRequest, off: number): Promise<Answer> {
  try {
    const r = await httpGet('127.0.0.1', s.port + off, `${s.path}${s.query}`, { host: s.host, ...s.headers });
    if (r.status === 200) {
      try { return { kind: 'backend', backends: [`shop/${JSON.parse(r.body).service}`] }; } catch { /* not an echo */ }
    }
    return { kind: 'status', status: r.status };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') return { kind: 'refused' };
    throw err;
  }
}

function agrees(expected: Answer, got: Answer): boolean {
  if (expected.kind === 'backend') return got.kind === 'backend' && expected.backends.includes(got.backends[0]!);
  if (expected.kind === 'status') return got.kind === 'status' && got.status === expected.status;
  return got.kind === 'refused';
}

test('every sampled request: serve on each side answers as the diff says (backend, status or no listener)', async () => {
  const echoes = await Promise.all(BACKENDS.map(echo));
  const ports = Object.fromEntries(BACKENDS.map((b, i) => [b, echoes[i]!.port])) as Ports;
  // One head with every kind of change the golden pairs have: a route added, re-weighted, a
  // hostname moved to the other listener, a route losing acceptance.
  const sides = {
    base: scenario({}, ports),
    head: scenario({ cart: true, stable: [{ name: 'web-v1', weight: 90 }, { name: 'web-v2', weight: 10 }], webSection: 'alt', apiHostname: 'api.example.org' }, ports),
  };
  const dirs = { base: tempDir('portico-diff-base-'), head: tempDir('portico-diff-head-') };
  writeFileSync(join(dirs.base, 'app.yaml'), sides.base);
  writeFileSync(join(dirs.head, 'app.yaml'), sides.head);
  const tables = { base: await table(dirs.base), head: await table(dirs.head) };
  const samples = [...sampleRequests(tables.base).samples, ...sampleRequests(tables.head).samples];
  const unique = [...new Map(samples.map((s) => [sampleLabel(s, false), s])).values()];
  const offsets = { base: await offset(), head: 0 };
  const gateways: Served[] = [];
  try {
    gateways.push(await start(dirs.base, offsets.base));
    offsets.head = await offset();
    gateways.push(await start(dirs.head, offsets.head));
    let changed = 0;
    const mismatches: string[] = [];
    for (const s of unique) {
      const expected = { base: resolveSample(tables.base, s), head: resolveSample(tables.head, s) };
      if (expected.base.destination !== expected.head.destination) changed++;
      for (const side of ['base', 'head'] as const) {
        const got = await send(s, offsets[side]);
        if (!agrees(expected[side].answer, got)) {
          mismatches.push(`${sampleLabel(s, false)} on ${side}: diff says ${expected[side].destination} (${JSON.stringify(expected[side].answer)}), serve answered ${JSON.stringify(got)}`);
        }
      }
    }
    assert.equal(mismatches, []);
    // Not vacuous: the samples cover both listeners and the change moves traffic.
    assert.ok(unique.length >= 6, `only ${unique.length} samples`);
    assert.ok(unique.some((s) => s.port === 81) && unique.some((s) => s.port === 80));
    assert.ok(changed >= 4, `only ${changed} requests change destination`);
  } finally {
    for (const g of gateways) await g.stop();
    for (const e of echoes) e.server.close();
    rmSync(dirs.base, { recursive: true, force: true });
    rmSync(dirs.head, { recursive: true, force: true });
  }
});

test.run();
