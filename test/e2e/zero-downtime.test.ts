// Zero-downtime change under load (file provider): while keep-alive clients send a steady,
// bounded stream of requests over HTTP and HTTPS to a route that never changes, 100 config changes
// are applied one after the other (a route added, re-weighted and removed, a backend's endpoints
// changed, the HTTPS certificate rotated, a listener added and removed) by rewriting the manifest
// file. Every request is counted and the tally printed; no request to the unchanged route may fail.
// The changes and the load are in zero-downtime-load.ts (the Kubernetes provider test uses them too).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGateway, parseServeArgs } from '../../gateway/cli/serve.ts';
import { createLogger } from '../../gateway/admin/log.ts';
import { tempDir } from '../helpers/cli.ts';
import { selfSignedCert } from '../helpers/self-signed.ts';
import { freePorts } from './serve-process.ts';
import { CHANGES, manifests, underLoad } from './zero-downtime-load.ts';

test(`zero downtime: ${CHANGES} config changes under load, no request to the unchanged route fails`, async () => {
  const backends = await Promise.all([0, 1, 2].map(() => new Promise<http.Server>((resolve) => {
    const s = http.createServer((req, res) => res.end(`ok ${req.headers.host}`));
    s.keepAliveTimeout = 60_000;
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const [a, b1, b2] = backends.map((s) => (s.address() as { port: number }).port) as [number, number, number];
  const dir = tempDir('portico-zd-');
  const certs = [selfSignedCert(dir, 'one', ['*.example']), selfSignedCert(dir, 'two', ['*.example'])];
  const file = join(dir, 'app.yaml');
  const write = (i: number) => {
    writeFileSync(join(dir, '.next'), manifests(i, { a, b1, b2 }, certs));
    renameSync(join(dir, '.next'), file);
  };
  write(0);
  const base = await freePorts([0, 1, 363]);
  const log = createLogger(() => {}, () => new Date().toISOString(), 'error');
  const gw = await startGateway(parseServeArgs(['--manifests', file, '--port-offset', String(base - 80), '--admin', '127.0.0.1:0', '--access-log', 'off', '--poll-ms', '200']), log, () => new Date().toISOString());
  try {
    await gw.pipeline.idle();
    assert.equal(gw.admin.state.current?.apply.errors, [], 'every listener socket is bound');
    await underLoad({ base, gw, change: write, provider: 'file' });
  } finally {
    await gw.stop({ delayMs: 0, timeoutMs: 2000 });
    for (const s of backends) { s.closeAllConnections(); s.close(); }
  }
});

test.run();
