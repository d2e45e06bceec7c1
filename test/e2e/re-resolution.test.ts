// Every reference is resolved again when the object it names changes, appears or disappears:
// the pipeline (memory provider, real translator, recording data plane) re-translates each
// snapshot, so a BackendTLSPolicy follows its CA ConfigMap, a listener follows its certificate
// Secret and the ReferenceGrant that allows it, and a route follows its backend Service, with no
// restart and no change to the referring object.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RoutingTable } from '../../gateway/ir/index.ts';
import type { ApplyResult } from '../../gateway/dataplane/api.ts';
import { translate } from '../../gateway/translator/index.ts';
import { createMemoryProvider } from '../../gateway/provider/memory.ts';
import { startPipeline, type PipelineState } from '../../gateway/pipeline.ts';
import { createAddressAssigner } from '../../gateway/pipeline/addresses.ts';
import { probeAddress } from '../../gateway/runtime/node.ts';
import { PLACEHOLDER_CERT_PEM, PLACEHOLDER_KEY_PEM } from '../translator/placeholder-pem.ts';

const GW = 'gateway.networking.k8s.io/v1';

const base = [
  { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } },
  {
    apiVersion: GW, kind: 'Gateway', metadata: { name: 'gw', namespace: 'apps' },
    spec: {
      gatewayClassName: 'portico',
      addresses: [{ type: 'IPAddress', value: '127.0.0.1' }],
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP' },
        { name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'site', namespace: 'certs' }] } },
      ],
    },
  },
  {
    apiVersion: GW, kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'apps' },
    spec: { parentRefs: [{ name: 'gw', sectionName: 'http' }], rules: [{ backendRefs: [{ name: 'secure', port: 443 }] }] },
  },
  {
    apiVersion: GW, kind: 'BackendTLSPolicy', metadata: { name: 'secure', namespace: 'apps' },
    spec: { targetRefs: [{ group: '', kind: 'Service', name: 'secure' }], validation: { hostname: 'secure.example.com', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] } },
  },
];
const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'secure', namespace: 'apps' }, spec: { ports: [{ name: 'https', port: 443 }] } };
const caMap = (pem: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca', namespace: 'apps' }, data: { 'ca.crt': pem } });
const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'site', namespace: 'certs' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': PLACEHOLDER_CERT_PEM, 'tls.key': PLACEHOLDER_KEY_PEM } };
const grant = {
  apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'gw-certs', namespace: 'certs' },
  spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'apps' }], to: [{ group: '', kind: 'Secret' }] },
};

function recordingDataplane() {
  const applied: RoutingTable[] = [];
  return { applied, async apply(table: RoutingTable): Promise<ApplyResult> { applied.push(table); return { listening: [], errors: [] }; } };
}

const statusOf = (s: PipelineState, kind: string, name: string) => s.statuses.find((x) => x.ref.kind === kind && x.ref.name === name)?.status as any;
const policyCond = (s: PipelineState, type: string) => statusOf(s, 'BackendTLSPolicy', 'secure')?.ancestors?.[0]?.conditions.find((c: any) => c.type === type);
const listenerCond = (s: PipelineState, type: string) => statusOf(s, 'Gateway', 'gw').listeners.find((l: any) => l.name === 'https').conditions.find((c: any) => c.type === type);
const routeCond = (s: PipelineState, type: string) => statusOf(s, 'HTTPRoute', 'web').parents[0].conditions.find((c: any) => c.type === type);
const backendTls = (t: RoutingTable) => t.gateways[0]?.ports.find((p) => p.port === 80)?.listeners[0].http?.[0]?.rules[0].backends[0]?.tls;
const httpsServed = (t: RoutingTable) => t.gateways[0]?.ports.some((p) => p.port === 443) ?? false;

test('references are resolved again when the referenced objects appear, change and disappear', async () => {
  let tick = 0;
  const now = () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)).toISOString();
  const provider = createMemoryProvider([...base], now);
  const dataplane = recordingDataplane();
  const published: PipelineState[] = [];
  const errors: unknown[] = [];
  const pipeline = await startPipeline({
    provider, dataplane, translate, now,
    translateOptions: { controllerName: 'portico.dev/gateway-controller' },
    addresses: createAddressAssigner({ bind: '127.0.0.1', probe: probeAddress }),
    publish: (s) => published.push(s), onError: (_stage, err) => errors.push(err),
  });
  const step = async (objects: unknown[]) => { provider.set(objects); await pipeline.idle(); return published.at(-1)!; };
  try {
    await pipeline.idle();
    let s = published.at(-1)!;
    // Nothing referenced exists yet.
    assert.is(routeCond(s, 'ResolvedRefs').reason, 'BackendNotFound');
    assert.is(listenerCond(s, 'ResolvedRefs').reason, 'RefNotPermitted');
    assert.not.ok(httpsServed(dataplane.applied.at(-1)!));

    // The Service, the CA ConfigMap, the Secret and its ReferenceGrant appear.
    s = await step([...base, service, caMap(PLACEHOLDER_CERT_PEM), secret, grant]);
    assert.is(routeCond(s, 'ResolvedRefs').status, 'True');
    assert.is(policyCond(s, 'Accepted').status, 'True');
    assert.equal(backendTls(dataplane.applied.at(-1)!)?.caPem, [PLACEHOLDER_CERT_PEM]);
    assert.is(listenerCond(s, 'ResolvedRefs').status, 'True');
    assert.ok(httpsServed(dataplane.applied.at(-1)!));

    // The CA ConfigMap is emptied: the policy reacts (upstream BackendTLSPolicy reconcile step).
    s = await step([...base, service, caMap(''), secret, grant]);
    assert.is(policyCond(s, 'Accepted').reason, 'NoValidCACertificate');
    assert.is(policyCond(s, 'ResolvedRefs').reason, 'InvalidCACertificateRef');
    assert.is(backendTls(dataplane.applied.at(-1)!), undefined, 'no TLS settings from an unusable policy');

    // Restored: accepted again, with the CA in the table.
    s = await step([...base, service, caMap(PLACEHOLDER_CERT_PEM), secret, grant]);
    assert.is(policyCond(s, 'Accepted').status, 'True');
    assert.equal(backendTls(dataplane.applied.at(-1)!)?.caPem, [PLACEHOLDER_CERT_PEM]);

    // The ReferenceGrant disappears: the listener loses its certificate.
    s = await step([...base, service, caMap(PLACEHOLDER_CERT_PEM), secret]);
    assert.is(listenerCond(s, 'ResolvedRefs').reason, 'RefNotPermitted');
    assert.is(listenerCond(s, 'Programmed').status, 'False');
    assert.not.ok(httpsServed(dataplane.applied.at(-1)!));

    // The ConfigMap disappears: InvalidCACertificateRef; the Service disappears: BackendNotFound.
    s = await step([...base, service, secret, grant]);
    assert.is(policyCond(s, 'ResolvedRefs').reason, 'InvalidCACertificateRef');
    assert.is(listenerCond(s, 'ResolvedRefs').status, 'True', 'the grant is back');
    s = await step([...base, secret, grant]);
    assert.is(routeCond(s, 'ResolvedRefs').reason, 'BackendNotFound');
    assert.equal(errors, []);
  } finally {
    await pipeline.stop();
  }
});

test.run();
