import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'node:http';
import { fromObjects } from '../../gateway/model/index.ts';
import { startAdminServer } from '../../gateway/admin/server.ts';
import { createMetrics } from '../../gateway/admin/metrics.ts';
import type { PipelineState } from '../../gateway/pipeline.ts';

function get(address: string, path: string): Promise<{ status: number; body: string; type: string }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, type: String(res.headers['content-type']) }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function state(errors: PipelineState['apply']['errors'] = []): PipelineState {
  const { snapshot } = fromObjects([
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico', uid: 'u1', generation: 1, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { controllerName: 'x' } },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'apps', uid: 'u2', generation: 3, resourceVersion: '7', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { gatewayClassName: 'portico' } },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'apps', uid: 'u3', generation: 2, resourceVersion: '9', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: {} },
  ]);
  const cond = (type: string, gen: number) => ({ type, status: 'True', reason: type, message: '', observedGeneration: gen, lastTransitionTime: '2026-01-01T00:00:01Z' });
  return {
    generation: 4, appliedAt: '2026-01-01T00:00:02Z', reloadMs: 3.2, snapshot,
    table: { gateways: [{ key: 'apps/gw', namespace: 'apps', name: 'gw', addresses: ['127.0.0.1'], ports: [{ port: 443, transport: 'tcp', listeners: [{
      id: 'apps/gw/https', source: { kind: 'Gateway', namespace: 'apps', name: 'gw', sectionName: 'https' }, protocol: 'HTTPS',
      tls: { mode: 'Terminate', certificates: [{ secret: 'apps/cert', certPem: 'CERT', keyPem: '-----BEGIN PRIVATE KEY-----secret', dnsNames: ['a.example'] }] }, http: [],
    }] }] }] },
    statuses: [
      { ref: { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'apps', name: 'web' }, generation: 2, status: { parents: [{ parentRef: { name: 'gw' }, controllerName: 'x', conditions: [cond('Accepted', 2)] }] } },
      { ref: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'apps', name: 'gw' }, generation: 3, status: { addresses: [{ type: 'IPAddress', value: '127.0.0.1' }], conditions: [cond('Accepted', 3), cond('Programmed', 3)] } },
      { ref: { group: 'gateway.networking.k8s.io', kind: 'GatewayClass', name: 'portico' }, generation: 1, status: { conditions: [cond('Accepted', 1)] } },
    ],
    problems: [{ severity: 'warning', ref: { group: '', kind: 'File', name: '/x.yaml' }, field: '', reason: 'Duplicate', message: 'dup' }],
    apply: { listening: [{ gateway: 'apps/gw', address: '127.0.0.1', port: 443, boundPort: 8443, transport: 'tcp' }], errors },
  };
}

test('healthz is 200 at once; readyz is 503 until a config is applied, and 503 again with bind errors', async () => {
  const admin = await startAdminServer('127.0.0.1:0', createMetrics());
  try {
    assert.is((await get(admin.address, '/healthz')).status, 200);
    const before = await get(admin.address, '/readyz');
    assert.is(before.status, 503);
    assert.match(before.body, 'no config applied');
    admin.state.current = state();
    assert.is((await get(admin.address, '/readyz')).status, 200);
    admin.state.current = state([{ gateway: 'apps/gw', address: '127.0.0.1', port: 443, message: 'EADDRINUSE' }]);
    const after = await get(admin.address, '/readyz');
    assert.is(after.status, 503);
    assert.match(after.body, 'EADDRINUSE');
    assert.is((await get(admin.address, '/nope')).status, 404);
  } finally {
    await admin.close();
  }
});

test('/status is a List of objects with apiVersion, kind, metadata and the exact status block', async () => {
  const admin = await startAdminServer('127.0.0.1:0', createMetrics());
  try {
    const empty = JSON.parse((await get(admin.address, '/status')).body);
    assert.equal(empty.items, []);
    const s = state();
    admin.state.current = s;
    const res = await get(admin.address, '/status');
    assert.is(res.status, 200);
    assert.match(res.type, 'application/json');
    const list = JSON.parse(res.body);
    assert.is(list.kind, 'List');
    assert.equal(list.items.map((i: any) => i.kind), ['GatewayClass', 'Gateway', 'HTTPRoute']);
    const gw = list.items[1];
    assert.is(gw.apiVersion, 'gateway.networking.k8s.io/v1');
    assert.equal(gw.metadata, { name: 'gw', namespace: 'apps', generation: 3, uid: 'u2', resourceVersion: '7', creationTimestamp: '2026-01-01T00:00:00Z' });
    assert.equal(gw.status, s.statuses[1].status);
    assert.equal(list.items[0].metadata.namespace, undefined);
    assert.is(list.problems[0].reason, 'Duplicate');
  } finally {
    await admin.close();
  }
});

test('/status is serialized once per applied state and follows each new one', async () => {
  const admin = await startAdminServer('127.0.0.1:0', createMetrics());
  try {
    const s = state();
    admin.state.current = s;
    const first = (await get(admin.address, '/status')).body;
    assert.is((await get(admin.address, '/status')).body, first, 'the same state answers the same body');
    const next = state();
    next.statuses[0]!.status = { parents: [] };
    next.problems = [];
    admin.state.current = next;
    const list = JSON.parse((await get(admin.address, '/status')).body);
    assert.equal(list.items.find((i: any) => i.kind === 'HTTPRoute').status, { parents: [] }, 'a new state is never answered from the cached body');
    assert.equal(list.problems, []);
    admin.state.current = undefined;
    assert.equal(JSON.parse((await get(admin.address, '/status')).body).items, []);
  } finally {
    await admin.close();
  }
});

test('/config serves the applied table with private keys redacted', async () => {
  const admin = await startAdminServer('127.0.0.1:0', createMetrics());
  try {
    assert.is((await get(admin.address, '/config')).status, 503);
    admin.state.current = state();
    const res = await get(admin.address, '/config');
    assert.is(res.status, 200);
    assert.not.match(res.body, 'BEGIN PRIVATE KEY');
    const cfg = JSON.parse(res.body);
    assert.is(cfg.generation, 4);
    const cert = cfg.table.gateways[0].ports[0].listeners[0].tls.certificates[0];
    assert.is(cert.keyPem, '<redacted>');
    assert.is(cert.certPem, 'CERT');
    // The live state is untouched by redaction.
    assert.match(admin.state.current.table.gateways[0].ports[0].listeners[0].tls!.certificates[0].keyPem, 'secret');
  } finally {
    await admin.close();
  }
});

test('/metrics exposes the request, upstream, reload and config metrics', async () => {
  const metrics = createMetrics();
  const admin = await startAdminServer('127.0.0.1:0', metrics);
  try {
    metrics.onRequest({ time: 't', gateway: 'apps/gw', listener: 'apps/gw/http', protocol: 'HTTP/1.1', clientAddress: '127.0.0.1', clientPort: 5000, method: 'GET', authority: 'a', path: '/', route: 'HTTPRoute/apps/web', backend: 'Service:apps/web:80', status: 200, durationMs: 12, bytesIn: 0, bytesOut: 5 });
    metrics.onUpstreamError('Service:apps/web:80', 'GW_ERR_UPSTREAM_CONNECT');
    metrics.onApplied(state());
    metrics.onReloadError('translate');
    const res = await get(admin.address, '/metrics');
    assert.is(res.status, 200);
    for (const name of ['portico_http_requests_total', 'portico_http_request_duration_seconds_bucket', 'portico_upstream_errors_total',
      'portico_config_generation 4', 'portico_reload_duration_seconds_count 1', 'portico_problems{severity="warning",reason="Duplicate"} 1', 'portico_reload_errors_total{stage="translate"} 1']) {
      assert.ok(res.body.includes(name), `missing ${name}`);
    }
    assert.match(res.body, /portico_http_requests_total\{gateway="apps\/gw",listener="apps\/gw\/http",route="HTTPRoute\/apps\/web",backend="Service:apps\/web:80",code="200"\} 1/);
  } finally {
    await admin.close();
  }
});

test.run();
