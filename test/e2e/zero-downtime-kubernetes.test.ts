// Zero-downtime change under load through the Kubernetes provider: the same 100 changes and the
// same load as the file-provider test (zero-downtime-load.ts), but each change reaches the gateway
// as API writes to the in-repo test API server (objects created, replaced and deleted one by one,
// watched by `serve --kubernetes`), so the gateway also sees the intermediate states a cluster
// produces. Every request is counted and the tally printed; no request to the unchanged route may fail.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { parseAllDocuments } from 'yaml';
import { startGateway, parseServeArgs } from '../../gateway/cli/serve.ts';
import { createLogger } from '../../gateway/admin/log.ts';
import { tempDir } from '../helpers/cli.ts';
import { selfSignedCert } from '../helpers/self-signed.ts';
import { startKubeApiServer } from '../helpers/kube-api-server/index.ts';
import { API_RESOURCES, resourceForObject } from '../helpers/kube-api-server/resources.ts';
import { freePorts } from './serve-process.ts';
import { CHANGES, manifests, underLoad } from './zero-downtime-load.ts';

type Obj = Record<string, any>;
const keyOf = (o: Obj) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

test(`zero downtime (Kubernetes provider): ${CHANGES} changes under load as API writes, no request to the unchanged route fails`, async () => {
  const backends = await Promise.all([0, 1, 2].map(() => new Promise<http.Server>((resolve) => {
    const s = http.createServer((req, res) => res.end(`ok ${req.headers.host}`));
    s.keepAliveTimeout = 60_000;
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const [a, b1, b2] = backends.map((s) => (s.address() as { port: number }).port) as [number, number, number];
  const dir = tempDir('portico-zdk-');
  const certs = [selfSignedCert(dir, 'one', ['*.example']), selfSignedCert(dir, 'two', ['*.example'])];
  const api = await startKubeApiServer();
  let current = new Map<string, Obj>();
  // One change = the API writes that turn the previous object set into the next: creates and
  // replacements in manifest order, then deletions (the churn route, when it goes).
  const change = (i: number) => {
    const next = new Map<string, Obj>();
    for (const doc of parseAllDocuments(manifests(i, { a, b1, b2 }, certs))) {
      const o = doc.toJS() as Obj | null;
      if (o) next.set(keyOf(o), o);
    }
    for (const o of next.values()) api.store.apply(o);
    for (const [k, o] of current) {
      if (next.has(k)) continue;
      const res = resourceForObject(o) ?? API_RESOURCES.find((r) => r.kind === o.kind)!;
      api.store.delete(res, o.metadata.namespace, o.metadata.name);
    }
    current = next;
  };
  api.store.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'zd' } });
  change(0);
  const base = await freePorts([0, 1, 363]);
  const log = createLogger(() => {}, () => new Date().toISOString(), 'error');
  const gw = await startGateway(parseServeArgs(['--kubernetes', '--kubeconfig', api.kubeconfigPath, '--lease-namespace', 'portico-system',
    '--port-offset', String(base - 80), '--admin', '127.0.0.1:0', '--access-log', 'off']), log, () => new Date().toISOString());
  try {
    await gw.pipeline.idle();
    assert.equal(gw.admin.state.current?.apply.errors, [], 'every listener socket is bound');
    await underLoad({ base, gw, change, provider: 'Kubernetes' });
  } finally {
    await gw.stop({ delayMs: 0, timeoutMs: 2000 });
    await api.close();
    for (const s of backends) { s.closeAllConnections(); s.close(); }
  }
});

test.run();
