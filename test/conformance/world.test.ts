// Materialization as FORMAT.md specifies it, on a real case: the four files, API-server metadata,
// Kubernetes-style pod names on their own loopback addresses, EndpointSlices, steps.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { CaseSpec } from './case-types.ts';
import { CertStore } from './certs.ts';
import { AddressPool } from './pods.ts';
import { applyStep } from './steps.ts';
import { type Clock, World } from './world.ts';
import { fromObjects } from '../../gateway/model/index.ts';
import { translate } from '../../gateway/translator/index.ts';

const HERE = import.meta.dirname;
const loadCase = (name: string): CaseSpec => JSON.parse(readFileSync(join(HERE, 'cases', `${name}.json`), 'utf8'));
const certs = new CertStore();
const opts = {
  manifestsRoot: join(HERE, 'upstream'), certs, podAddresses: new AddressPool(),
  gatewayClassName: 'suite-class', controllerName: 'example.com/ctrl',
  usable: [{ type: 'IPAddress', value: '127.0.1.254' }], unusable: [{ type: 'IPAddress', value: '192.0.2.1' }],
};
const docs = (dir: string, file: string) => parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((d) => d.toJS());

test('a case materializes into the four files with API-server metadata', async () => {
  const w = new World(loadCase('HTTPRouteServiceTypes'), opts);
  try {
    await w.init();
    assert.equal(readdirSync(w.dir).sort(), ['00-gatewayclass.yaml', '10-manifests.yaml', '20-generated-tls.yaml', '30-generated-endpointslices.yaml']);
    const [cls] = docs(w.dir, '00-gatewayclass.yaml');
    assert.equal([cls.metadata.name, cls.spec.controllerName], ['suite-class', 'example.com/ctrl']);
    const objs = docs(w.dir, '10-manifests.yaml');
    const gw = objs.find((o) => o.kind === 'Gateway' && o.metadata.name === 'same-namespace');
    assert.is(gw.spec.gatewayClassName, 'suite-class');
    assert.is(gw.metadata.generation, 1);
    assert.match(gw.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(gw.metadata.uid && gw.metadata.resourceVersion);
    const svc = objs.find((o) => o.kind === 'Service');
    assert.is(svc.metadata.generation, undefined);

    const tls = docs(w.dir, '20-generated-tls.yaml');
    const secret = tls.find((o) => o.metadata.name === 'tls-validity-checks-certificate');
    assert.is(secret.type, 'kubernetes.io/tls');
    assert.match(Buffer.from(secret.data['tls.crt'], 'base64').toString(), /BEGIN CERTIFICATE/);
    const cm = tls.find((o) => o.metadata.name === 'tls-checks-ca-certificate');
    assert.equal(Object.keys(cm.data).sort(), ['ca.crt', 'key.crt']);

    const v1 = w.pods.filter((p) => p.deployment === 'infra-backend-v1' && p.namespace === 'gateway-conformance-infra');
    assert.is(v1.length, 2);
    for (const p of v1) {
      assert.match(p.name, /^infra-backend-v1-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.match(p.ip, /^127\.0\.[23]\.\d+$/);
      assert.is(p.env.POD_NAME, p.name);
      assert.is(p.env.NAMESPACE, 'gateway-conformance-infra');
    }
    assert.is.not(v1[0].ip, v1[1].ip);
    const tlsPod = w.pods.find((p) => p.deployment === 'tls-backend')!;
    assert.match(tlsPod.files.get('/etc/secret-volume/crt')!, /BEGIN CERTIFICATE/);

    const slices = docs(w.dir, '30-generated-endpointslices.yaml');
    const s = slices.find((o) => o.metadata.labels['kubernetes.io/service-name'] === 'infra-backend-v1' && o.metadata.namespace === 'gateway-conformance-infra');
    assert.is(s.addressType, 'IPv4');
    assert.equal(s.ports, [
      { name: 'first-port', port: 3000, protocol: 'TCP' },
      { name: 'second-port', port: 3001, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' },
      { name: 'third-port', port: 3000, protocol: 'TCP', appProtocol: 'kubernetes.io/ws' },
    ]);
    assert.equal(s.endpoints.map((e: any) => e.addresses[0]).sort(), v1.map((p) => p.ip).sort());
    assert.equal(s.endpoints[0].targetRef.kind, 'Pod');

    // setEndpoints fills the manual IPv4 slice and leaves the IPv6 one alone.
    await applyStep(w, loadCase('HTTPRouteServiceTypes').steps![0]);
    const after = docs(w.dir, '10-manifests.yaml');
    const ip4 = after.find((o) => o.metadata.name === 'manual-endpointslices-ip4');
    const ip6 = after.find((o) => o.metadata.name === 'manual-endpointslices-ip6');
    assert.equal(ip4.endpoints.map((e: any) => e.addresses[0]).sort(), v1.map((p) => p.ip).sort());
    assert.ok(!ip6.endpoints || ip6.endpoints.length === 0);
  } finally {
    await w.close();
  }
});

test('patch steps bump generation, keep creationTimestamp, expand address placeholders', async () => {
  const c = loadCase('GatewayStaticAddresses');
  const w = new World(c, opts);
  try {
    await w.init();
    const before = w.store.get('Gateway', 'gateway-conformance-infra', 'gateway-static-addresses')!;
    assert.equal((before.spec as any).addresses, [
      { type: 'test/fake-invalid-type', value: 'fake address teehee!' }, opts.unusable[0], opts.usable[0],
    ]);
    await applyStep(w, c.steps![0]);
    const after = w.store.get('Gateway', 'gateway-conformance-infra', 'gateway-static-addresses')!;
    assert.equal((after.spec as any).addresses, [opts.unusable[0], opts.usable[0]]);
    assert.is(after.metadata.generation, 2);
    assert.is(after.metadata.creationTimestamp, before.metadata.creationTimestamp);
    const onDisk = docs(w.dir, '10-manifests.yaml').find((o) => o.metadata.name === 'gateway-static-addresses');
    assert.is(onDisk.metadata.generation, 2);
  } finally {
    await w.close();
  }
});

/** A clock that moves only when told to, or when a step sleeps. */
function fakeClock(start: string): Clock & { advance(ms: number): void } {
  let t = Date.parse(start);
  return { now: () => new Date(t), sleep: async (ms) => { t += ms; }, advance: (ms) => { t += ms; } };
}

test('a step\'s delaySeconds waits before its objects are created, so they are strictly newer (TCPRouteMultipleRoutesAttachment)', async () => {
  // Given the case's world, made 0.2 s into a second, and the gateway ready 0.3 s later (same second)
  const c = loadCase('TCPRouteMultipleRoutesAttachment');
  const clock = fakeClock('2026-01-01T00:00:00.200Z');
  const w = new World(c, { ...opts, clock });
  try {
    await w.init();
    clock.advance(300);
    // When the step (upstream: sleep 1 s, then create the newer TCPRoute) is applied
    await applyStep(w, c.steps![0]);
    // Then the newer route's creationTimestamp (second precision) is later than the older one's
    const stamp = (name: string) => w.store.get('TCPRoute', 'gateway-conformance-infra', name)!.metadata.creationTimestamp;
    assert.is(stamp('tcproute-attach-older'), '2026-01-01T00:00:00Z');
    assert.is(stamp('tcproute-attach-newer'), '2026-01-01T00:00:01Z');
    // And the translator binds the older route to the listener, as the case expects of the data plane
    // (with equal timestamps the spec's tie-break, name order, would pick tcproute-attach-newer)
    const { table } = translate(fromObjects(w.store.list()).snapshot, { controllerName: opts.controllerName, now: clock.now().toISOString() });
    const gw = table.gateways.find((g) => g.name === 'tcp-multi-route-attach-gateway')!;
    const tcp = gw.ports.flatMap((p) => p.listeners).find((l) => l.protocol === 'TCP')!;
    assert.equal(tcp.l4!.map((r) => r.route), ['TCPRoute/gateway-conformance-infra/tcproute-attach-older', 'TCPRoute/gateway-conformance-infra/tcproute-attach-newer']);
  } finally {
    await w.close();
  }
});

test.run();
