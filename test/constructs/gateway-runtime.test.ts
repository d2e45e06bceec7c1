// GatewayRuntime: the objects that run Portico. Goldens pin the RBAC rules, the security context,
// the ports and the probes; the rest checks what the goldens cannot show at a glance: the RBAC
// matches what the provider reads and writes, the flags parse, no port below 1024 is bound.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { App, Chart, Duration } from 'cdk8s';
import {
  Gateway, GatewayApiChannel, GatewayClass, GatewayRuntime, GatewayServiceType, ListenerProtocol, ListenerSet, FromNamespaces, RuntimeImage,
  TlsMode, CertificateRef,
} from '../../constructs/index.ts';
import { WATCHED_KINDS } from '../../gateway/provider/kubernetes/kinds.ts';
import { parseServeArgs } from '../../gateway/cli/serve.ts';
import { assertGolden } from '../helpers/golden.ts';
import { GOLDEN_DIR, synthErrors } from './fixtures.ts';

const IMAGE = RuntimeImage.node('registry.example.com/portico', '0.1.0');

function platform(opts: { watchNamespaces?: string[]; mergeGateways?: boolean; crds?: 'none' | GatewayApiChannel } = {}) {
  const app = new App({ outdir: '/nonexistent' });
  const chart = new Chart(app, 'platform', { namespace: 'portico-system' });
  const gatewayClass = new GatewayClass(chart, 'class', { metadata: { name: 'portico' } });
  const edge = new Gateway(chart, 'edge', {
    metadata: { name: 'edge' }, gatewayClass,
    infrastructure: { labels: { team: 'platform' }, annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' } },
    allowedListeners: { namespaces: { from: FromNamespaces.ALL } },
    listeners: [
      { name: 'http', port: 80, protocol: ListenerProtocol.HTTP },
      { name: 'https', port: 443, protocol: ListenerProtocol.HTTPS, tls: { certificateRefs: [CertificateRef.fromName('cert')] } },
      { name: 'dns', port: 53, protocol: ListenerProtocol.UDP },
    ],
  });
  const internal = new Gateway(chart, 'internal', {
    metadata: { name: 'internal' }, gatewayClass,
    listeners: [{ name: 'tls', port: 8443, protocol: ListenerProtocol.TLS, tls: { mode: TlsMode.PASSTHROUGH } }],
  });
  const runtime = new GatewayRuntime(chart, 'runtime', {
    gatewayClass, image: IMAGE, gateways: [edge, internal],
    watchNamespaces: opts.watchNamespaces, mergeGateways: opts.mergeGateways, gatewayApiCrds: opts.crds ?? 'none',
    serviceMonitor: true, drainTimeout: Duration.seconds(20),
  });
  return { app, chart, edge, internal, runtime, gatewayClass };
}

const runtimeObjects = (chart: Chart) => chart.toJson().filter((o: any) => !['GatewayClass', 'Gateway', 'ListenerSet'].includes(o.kind));
const byKind = (objs: any[], kind: string) => objs.filter((o) => o.kind === kind);

test('per-Gateway Deployments and Services, RBAC, PDB, metrics and ServiceMonitor (golden)', () => {
  const { chart } = platform();
  assertGolden('runtime', runtimeObjects(chart), GOLDEN_DIR);
});

test('namespaced variant: a ClusterRole for GatewayClasses and Namespaces, Roles in the watched namespaces (golden)', () => {
  const { chart } = platform({ watchNamespaces: ['shop', 'payments'] });
  const objs = runtimeObjects(chart).filter((o) => /Role/.test(o.kind));
  assertGolden('runtime-rbac-namespaced', objs, GOLDEN_DIR);
  const roles = byKind(objs, 'Role').map((r) => `${r.metadata.namespace}/${r.metadata.name}`);
  assert.equal(roles, ['portico-system/portico-leader-election', 'payments/portico-watch', 'portico-system/portico-watch', 'shop/portico-watch']);
  const cluster = byKind(objs, 'ClusterRole')[0].rules.flatMap((r: any) => r.resources);
  assert.equal(cluster.sort(), ['gatewayclasses', 'gatewayclasses/status', 'namespaces']);
  const args = byKind(runtimeObjects(platform({ watchNamespaces: ['shop', 'payments'] }).chart), 'Deployment')[0].spec.template.spec.containers[0].args;
  assert.equal(args.filter((_: string, i: number) => args[i - 1] === '--namespace'), ['payments', 'portico-system', 'shop']);
});

test('RBAC grants exactly what the provider reads and writes: every watched kind, only the status subresources it writes', () => {
  const rules = byKind(runtimeObjects(platform().chart), 'ClusterRole')[0].rules;
  const granted = new Set<string>();
  for (const r of rules) for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) granted.add(`${g}|${res}|${v}`);
  const want = new Set<string>();
  for (const k of WATCHED_KINDS) {
    for (const v of ['get', 'list', 'watch']) want.add(`${k.group}|${k.plural}|${v}`);
    if (k.status) for (const v of ['patch', 'update']) want.add(`${k.group}|${k.plural}/status|${v}`);
  }
  assert.equal([...granted].sort(), [...want].sort());
  for (const r of rules) assert.not.ok(r.verbs.some((v: string) => ['create', 'delete', '*'].includes(v)), `no create/delete on ${r.resources}`);
  const lease = byKind(runtimeObjects(platform().chart), 'Role')[0];
  assert.equal(lease.rules, [
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: ['portico-edge-leader', 'portico-internal-leader'] },
  ]);
});

test('the Deployment args are flags the gateway accepts, derived from the props', () => {
  const deployments = byKind(runtimeObjects(platform().chart), 'Deployment');
  assert.equal(deployments.map((d) => d.metadata.name), ['portico-edge', 'portico-internal']);
  const args = deployments[0].spec.template.spec.containers[0].args;
  assert.is(args[0], 'serve');
  const o = parseServeArgs(args.slice(1), { inPod: true });
  assert.equal(o.gateways, ['portico-system/edge']);
  assert.is(o.controllerName, 'portico.dev/gateway-controller');
  assert.is(o.publishService, 'portico-system/portico-edge');
  assert.is(o.portOffset, 10000);
  assert.equal(o.kubernetes, { kubeconfig: undefined, namespaces: undefined, leaseNamespace: 'portico-system', leaseName: 'portico-edge-leader' });
  assert.is(o.sessionKeyFile, '/var/run/portico/session-key/key');
  assert.equal(o.probes, { listen: '0.0.0.0:9902', allEndpoints: false }, 'probes on the in-pod default port the Deployment names "probes"');
  assert.is(deployments[0].spec.template.spec.terminationGracePeriodSeconds, 25, 'drain timeout + 5 s');
  assert.is(o.workers, 2, 'two data-plane workers by default');
  assert.is(deployments[0].spec.template.spec.containers[0].resources.limits.memory, '512Mi', '256Mi + 128Mi per worker');
});

test('workers: --workers and the memory limit follow the prop, else the CPU limit\'s whole cores; bad values fail synth', () => {
  const pod = (props: Partial<ConstructorParameters<typeof GatewayRuntime>[2]>) => {
    const app = new App({ outdir: '/nonexistent' });
    const chart = new Chart(app, 'p', { namespace: 'portico-system' });
    const gatewayClass = new GatewayClass(chart, 'class', { metadata: { name: 'portico' } });
    const gw = new Gateway(chart, 'gw', { metadata: { name: 'gw' }, gatewayClass, listeners: [{ name: 'http', port: 80, protocol: ListenerProtocol.HTTP }] });
    new GatewayRuntime(chart, 'runtime', { gatewayClass, image: IMAGE, gateways: [gw], gatewayApiCrds: 'none', ...props });
    const c = byKind(chart.toJson(), 'Deployment')[0].spec.template.spec.containers[0];
    return { workers: parseServeArgs(c.args.slice(1), { inPod: true }).workers, memory: c.resources.limits.memory, cpu: c.resources.limits.cpu };
  };
  assert.equal(pod({ workers: 4 }), { workers: 4, memory: '768Mi', cpu: undefined });
  assert.equal(pod({ workers: 1 }), { workers: 1, memory: '384Mi', cpu: undefined });
  assert.equal(pod({ resources: { cpuLimit: '3' } }), { workers: 3, memory: '640Mi', cpu: '3' });
  assert.equal(pod({ resources: { cpuLimit: '1500m' } }), { workers: 1, memory: '384Mi', cpu: '1500m' });
  assert.equal(pod({ resources: { cpuLimit: '250m', memoryLimit: '1Gi' } }), { workers: 1, memory: '1Gi', cpu: '250m' });
  assert.throws(() => pod({ workers: 0 }), /workers must be a whole number from 1 to 1024, got 0/);
  assert.throws(() => pod({ workers: 1.5 }), /whole number/);
});

test('no privileged port in the pod, every capability dropped, non-root, read-only root filesystem', () => {
  for (const d of byKind(runtimeObjects(platform().chart), 'Deployment')) {
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    for (const p of c.ports) assert.ok(p.containerPort >= 1024, `container port ${p.containerPort}`);
    assert.equal(c.securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true });
    assert.is(pod.securityContext.runAsNonRoot, true);
    assert.ok(pod.securityContext.runAsUser > 0);
    assert.is(c.livenessProbe.httpGet.path, '/healthz');
    assert.is(c.readinessProbe.httpGet.path, '/readyz');
  }
});

test('Service ports follow the listeners: a new listener or ListenerSet adds a port; UDP stays UDP', () => {
  const { app, chart, edge } = platform();
  const ports = () => byKind(runtimeObjects(chart), 'Service').find((s) => s.metadata.name === 'portico-edge').spec.ports;
  assert.equal(ports().map((p: any) => `${p.protocol}/${p.port}->${p.targetPort}`), ['UDP/53->10053', 'TCP/80->10080', 'TCP/443->10443']);
  edge.addListener({ name: 'alt', port: 8080, protocol: ListenerProtocol.HTTP });
  const tenant = new Chart(app, 'tenant', { namespace: 'payments' });
  new ListenerSet(tenant, 'extra', { metadata: { name: 'extra' }, gateway: edge, listeners: [{ name: 'pay', port: 9443, protocol: ListenerProtocol.HTTPS, tls: { certificateRefs: [CertificateRef.fromName('pay')] } }, { name: 'dup', port: 80, protocol: ListenerProtocol.HTTP }] });
  assert.equal(ports().map((p: any) => p.name), ['udp-53', 'tcp-80', 'tcp-443', 'tcp-8080', 'tcp-9443'], 'port 80 of the ListenerSet shares the Gateway\'s');
  const metrics = byKind(runtimeObjects(chart), 'Service').find((s) => s.metadata.name === 'portico-edge-metrics');
  assert.equal(metrics.spec.type, 'ClusterIP', 'metrics never go through the load balancer');
});

test('spec.infrastructure labels and annotations land on the Gateway\'s Deployment, pods, Service and PDB', () => {
  const objs = runtimeObjects(platform().chart).filter((o) => o.metadata.name === 'portico-edge');
  assert.equal(objs.map((o) => o.kind).sort(), ['Deployment', 'PodDisruptionBudget', 'Service', 'ServiceMonitor']);
  for (const o of objs) assert.is(o.metadata.labels.team, 'platform', o.kind);
  for (const o of objs.filter((x) => x.kind !== 'ServiceMonitor')) assert.is(o.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-type'], 'nlb', o.kind);
  assert.is(byKind(objs, 'Deployment')[0].spec.template.metadata.labels.team, 'platform');
});

test('mergeGateways: one Deployment and one Service for the class, serving every Gateway', () => {
  const objs = runtimeObjects(platform({ mergeGateways: true }).chart);
  const [d] = byKind(objs, 'Deployment');
  assert.is(byKind(objs, 'Deployment').length, 1);
  const o = parseServeArgs(d.spec.template.spec.containers[0].args.slice(1), { inPod: true });
  assert.equal(o.gateways, ['portico-system/edge', 'portico-system/internal']);
  assert.equal(byKind(objs, 'Service').find((s) => s.metadata.name === 'portico').spec.ports.map((p: any) => p.port), [53, 80, 443, 8443]);
});

test('mergeGateways: Gateways listening on one port fail synth (they could not both listen in one pod)', () => {
  const { app, edge, internal } = platform({ mergeGateways: true });
  assert.equal(synthErrors(app), []);
  internal.addListener({ name: 'web', port: 443, protocol: ListenerProtocol.HTTP });
  edge.addListener({ name: 'dns-tcp', port: 8443, protocol: ListenerProtocol.UDP });
  const errors = synthErrors(app);
  assert.equal(errors.length, 1, errors.join('\n'));
  assert.match(errors[0]!, /gateways portico-system\/edge and portico-system\/internal of merged runtime portico both listen on TCP port 443; give them different ports or set mergeGateways: false/);
  assert.equal(synthErrors(platform().app), [], 'one Deployment per Gateway: no collision');
});

test('fails with a fix when a listener would bind a privileged port, or merged Gateways disagree on a label', () => {
  const app = new App({ outdir: '/nonexistent' });
  const chart = new Chart(app, 'p', { namespace: 'portico-system' });
  const gatewayClass = new GatewayClass(chart, 'class', { metadata: { name: 'portico' } });
  const a = new Gateway(chart, 'a', { metadata: { name: 'a' }, gatewayClass, infrastructure: { labels: { tier: 'one' } }, listeners: [{ name: 'http', port: 80, protocol: ListenerProtocol.HTTP }] });
  const b = new Gateway(chart, 'b', { metadata: { name: 'b' }, gatewayClass, infrastructure: { labels: { tier: 'two' } }, listeners: [{ name: 'http', port: 81, protocol: ListenerProtocol.HTTP }] });
  new GatewayRuntime(chart, 'rt', { gatewayClass, image: IMAGE, gateways: [a], portOffset: 0, gatewayApiCrds: 'none', name: 'low' });
  assert.throws(() => chart.toJson(), /Gateway portico-system\/a listener http port 80 maps to container port 80 with portOffset 0; choose a portOffset/);
  assert.throws(() => new GatewayRuntime(chart, 'merged', { gatewayClass, image: IMAGE, gateways: [a, b], mergeGateways: true, gatewayApiCrds: 'none', name: 'm', createNamespace: false }),
    /set infrastructure label tier to both "one" and "two"/);
  assert.throws(() => RuntimeImage.node('registry.example.com/portico', 'latest'), /never "latest"/);
  const other = new GatewayClass(chart, 'other', { metadata: { name: 'other' } });
  const c = new Gateway(chart, 'c', { metadata: { name: 'c' }, gatewayClass: other, listeners: [{ name: 'http', port: 80, protocol: ListenerProtocol.HTTP }] });
  assert.throws(() => new GatewayRuntime(chart, 'x', { gatewayClass, image: IMAGE, gateways: [c], gatewayApiCrds: 'none', name: 'x', createNamespace: false }), /has gatewayClassName other/);
});

test('Argo CD: CRDs first (server-side, never pruned or deleted), then the runtime, then GatewayClass and Gateways; routes keep wave 0', () => {
  const { app, chart } = platform({ crds: GatewayApiChannel.STANDARD });
  const crds = app.charts.find((c) => c !== chart)!.toJson();
  assert.ok(crds.length >= 10, `${crds.length} CRD documents`);
  for (const c of crds) {
    assert.is(c.metadata.annotations['argocd.argoproj.io/sync-wave'], '-3', c.metadata.name);
    assert.is(c.metadata.annotations['argocd.argoproj.io/sync-options'], 'ServerSideApply=true,Prune=false,Delete=false', c.metadata.name);
    assert.is(c.metadata.namespace, undefined);
  }
  assert.ok(crds.some((c) => c.metadata.name === 'httproutes.gateway.networking.k8s.io'));
  assert.not.ok(crds.some((c) => c.metadata.name === 'xbackendtrafficpolicies.gateway.networking.x-k8s.io'), 'standard channel only');
  const waves = Object.fromEntries(chart.toJson().map((o: any) => [`${o.kind}/${o.metadata.name}`, o.metadata.annotations?.['argocd.argoproj.io/sync-wave']]));
  assert.is(waves['Deployment/portico-edge'], '-2');
  assert.is(waves['ClusterRole/portico-portico-system'], '-2');
  assert.is(waves['GatewayClass/portico'], '-1');
  assert.is(waves['Gateway/edge'], '-1');
  for (const kind of ['Namespace', 'ClusterRole', 'ClusterRoleBinding']) {
    for (const o of byKind(chart.toJson(), kind)) assert.is(o.metadata.namespace, undefined, `${kind} is cluster-scoped`);
  }
  assert.is(GatewayServiceType.LOAD_BALANCER, byKind(chart.toJson(), 'Service')[0].spec.type);
});

test.run();
