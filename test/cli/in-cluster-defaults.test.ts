// The flags a pod needs: listeners on all addresses, probes and metrics on a port the kubelet and
// Prometheus reach, /status and /config (the routing table) kept off that port unless asked for;
// and the address a Gateway reports when a Service stands in front of the gateway.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseServeArgs } from '../../gateway/cli/serve.ts';
import { PROBE_ENDPOINTS, startAdminServer } from '../../gateway/admin/server.ts';
import { createMetrics } from '../../gateway/admin/metrics.ts';
import { publishedAddresses } from '../../gateway/pipeline/published-addresses.ts';
import { adminGet } from '../e2e/serve-process.ts';

test('in a pod: listeners bind 0.0.0.0 and probes listen on 0.0.0.0:9902; outside: loopback only, no probes listener', () => {
  const pod = parseServeArgs(['--kubernetes'], { inPod: true });
  assert.is(pod.bind, '0.0.0.0');
  assert.equal(pod.probes, { listen: '0.0.0.0:9902', allEndpoints: false });
  assert.is(pod.admin, '127.0.0.1:9901', 'the full admin endpoint stays on loopback');
  const local = parseServeArgs(['--manifests', 'dist/']);
  assert.is(local.bind, '127.0.0.1');
  assert.is(local.probes, undefined);
  const asked = parseServeArgs(['--kubernetes', '--bind', '::', '--probes', '0.0.0.0:7000', '--probes-all-endpoints', '--admin-token-file', '/run/secrets/admin-token'], { inPod: true });
  assert.is(asked.bind, '::');
  assert.equal(asked.probes, { listen: '0.0.0.0:7000', allEndpoints: true });
  assert.throws(() => parseServeArgs(['--manifests', 'x', '--probes-all-endpoints']), /--probes-all-endpoints needs --probes/);
  assert.throws(() => parseServeArgs(['--kubernetes', '--publish-service', 'no-slash']), /--publish-service wants namespace\/name/);
  assert.is(parseServeArgs(['--kubernetes', '--publish-service', 'portico-system/edge']).publishService, 'portico-system/edge');
});

test('the probes listener answers /healthz /readyz /metrics and 404 for /status and /config', async () => {
  const metrics = createMetrics();
  const probes = await startAdminServer('127.0.0.1:0', metrics, {}, { endpoints: PROBE_ENDPOINTS });
  const all = await startAdminServer('127.0.0.1:0', metrics);
  try {
    assert.is((await adminGet(probes.address, '/healthz')).status, 200);
    assert.is((await adminGet(probes.address, '/readyz')).status, 503, 'no config applied yet');
    assert.is((await adminGet(probes.address, '/metrics')).status, 200);
    for (const path of ['/status', '/config']) {
      const r = await adminGet(probes.address, path);
      assert.is(r.status, 404, path);
      assert.not.match(r.body, /"\/status"|"\/config"/, 'the 404 lists only what this port serves');
      assert.is((await adminGet(all.address, path)).status, path === '/config' ? 503 : 200, `${path} on the full admin endpoint`);
    }
  } finally {
    await probes.close();
    await all.close();
  }
});

const svc = (spec: Record<string, unknown>, status?: Record<string, unknown>) =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'edge', namespace: 'portico-system' }, spec, status }) as any;
const gw = (addresses?: unknown[]) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'g', namespace: 'a' }, spec: { gatewayClassName: 'p', listeners: [], addresses } }) as any;

test('published addresses: spec.addresses first, then the load balancer ingress, then cluster IPs; pending otherwise', () => {
  const ref = 'portico-system/edge';
  assert.equal(publishedAddresses(gw([{ type: 'IPAddress', value: '198.51.100.4' }]), undefined, ref), { addresses: [{ type: 'IPAddress', value: '198.51.100.4' }] });
  assert.equal(publishedAddresses(gw(), svc({ type: 'LoadBalancer', clusterIP: '10.0.0.9' }, { loadBalancer: { ingress: [{ ip: '203.0.113.1' }, { hostname: 'x.elb.example' }] } }), ref).addresses,
    [{ type: 'IPAddress', value: '203.0.113.1' }, { type: 'Hostname', value: 'x.elb.example' }]);
  assert.match(publishedAddresses(gw(), svc({ type: 'LoadBalancer', clusterIP: '10.0.0.9' }), ref).pending!, /load balancer of Service portico-system\/edge has no address yet/);
  assert.equal(publishedAddresses(gw(), svc({ type: 'NodePort', clusterIPs: ['10.0.0.9', 'fd00::9'] }), ref).addresses,
    [{ type: 'IPAddress', value: '10.0.0.9' }, { type: 'IPAddress', value: 'fd00::9' }]);
  assert.match(publishedAddresses(gw(), undefined, ref).pending!, /Service portico-system\/edge does not exist/);
  assert.match(publishedAddresses(gw(), svc({ clusterIP: 'None' }), ref).pending!, /no cluster IP/);
});

test.run();
