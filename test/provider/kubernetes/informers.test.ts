import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../wait.ts';
import { resourceForObject } from '../../helpers/kube-api-server/resources.ts';
import { WATCHED_KINDS } from '../../../gateway/provider/kubernetes/kinds.ts';

/** One watch per watched kind (SecurityPolicy made it 17). */
const INFORMERS = WATCHED_KINDS.length;
import { endpointSlice, gateway, gatewayClass, httpRoute, namespace, service, withProvider } from './fixtures.ts';

const tlsSecret = (name: string, type = 'kubernetes.io/tls') => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, type, data: { 'tls.crt': 'eA==', 'tls.key': 'eA==' },
});

test('the initial list of every kind becomes one snapshot, with apiVersion/kind on built-in list items', async () => {
  await withProvider(async ({ updates, last, api }) => {
    assert.is(updates.length, 1, 'one snapshot after the initial sync');
    const s = last().snapshot;
    assert.equal(s.gatewayClasses.map((g) => g.metadata.name), ['portico']);
    assert.equal(s.gateways.map((g) => g.metadata.name), ['edge']);
    assert.equal(s.httpRoutes.map((g) => g.metadata.name), ['web']);
    assert.is(s.services[0]!.kind, 'Service');
    assert.is(s.services[0]!.apiVersion, 'v1');
    assert.is(s.endpointSlices[0]!.apiVersion, 'discovery.k8s.io/v1');
    assert.is(s.namespaces[0]!.metadata.name, 'default');
    assert.type(s.gateways[0]!.metadata.creationTimestamp, 'string');
    // Secrets: listed with a type field selector, and only the referenced one reaches the snapshot.
    const secretLists = api.requests.filter((r) => r.path === '/api/v1/secrets' && r.query.get('watch') === null);
    assert.ok(secretLists.length >= 1);
    assert.is(secretLists[0]!.query.get('fieldSelector'), 'type=kubernetes.io/tls');
    assert.equal(s.secrets.map((x) => x.metadata.name).sort(), ['policy-ca', 'site-cert']);
  }, {}, [
    namespace(), gatewayClass(),
    { ...gateway(), spec: { gatewayClassName: 'portico', listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'site-cert' }] } }] } },
    httpRoute(), service(), endpointSlice(),
    tlsSecret('site-cert'), tlsSecret('unrelated-cert'), tlsSecret('opaque', 'Opaque'), tlsSecret('policy-ca'),
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'BackendTLSPolicy', metadata: { name: 'p', namespace: 'default' },
      spec: { targetRefs: [{ group: '', kind: 'Service', name: 'echo' }], validation: { hostname: 'echo', caCertificateRefs: [{ group: '', kind: 'Secret', name: 'policy-ca' }] } } },
  ]);
});

test('a watch event becomes a new snapshot; a burst of events is coalesced', async () => {
  await withProvider(async ({ updates, last, api }) => {
    const before = updates.length;
    api.store.apply(httpRoute('a'));
    api.store.apply(httpRoute('b'));
    api.store.apply(httpRoute('c'));
    await waitFor(() => last().snapshot.httpRoutes.length === 3, 30_000, 'three routes');
    assert.ok(updates.length - before <= 2, `a burst of 3 events gave ${updates.length - before} snapshots`);
    const n = updates.length;
    api.store.delete(resourceForObject(httpRoute())!, 'default', 'b');
    await waitFor(() => updates.length > n && last().snapshot.httpRoutes.length === 2, 30_000, 'delete seen');
    assert.equal(last().snapshot.httpRoutes.map((r) => r.metadata.name).sort(), ['a', 'c']);
  }, {}, [gatewayClass(), gateway()]);
});

test('410 Gone on re-watch: the informer re-lists and recovers, seeing changes made meanwhile', async () => {
  await withProvider(async ({ last, api }) => {
    await waitFor(() => api.openWatches() >= INFORMERS, 30_000, 'all watches open');
    const lists = () => api.requests.filter((r) => r.path.endsWith('/httproutes') && r.query.get('watch') === null).length;
    const listsBefore = lists();
    api.dropWatches();
    api.store.apply(httpRoute('while-away'));
    api.store.compact();
    await waitFor(() => last().snapshot.httpRoutes.some((r) => r.metadata.name === 'while-away'), 30_000, 'route made while the watch was down');
    assert.ok(lists() > listsBefore, 'HTTPRoutes were listed again');
    // And the new watch works.
    api.store.apply(httpRoute('after'));
    await waitFor(() => last().snapshot.httpRoutes.some((r) => r.metadata.name === 'after'), 30_000, 'route made after recovery');
  }, {}, [gatewayClass(), gateway(), httpRoute()]);
});

test('a dropped watch connection re-watches from the last resourceVersion (no re-list)', async () => {
  await withProvider(async ({ last, api }) => {
    await waitFor(() => api.openWatches() >= INFORMERS, 30_000, 'all watches open');
    const routeReq = (watch: boolean) => api.requests.filter((r) => r.path === '/apis/gateway.networking.k8s.io/v1/httproutes' && (r.query.get('watch') === 'true') === watch);
    const lists = routeReq(false).length;
    const lastRv = routeReq(true).at(-1)!.query.get('resourceVersion');
    api.dropWatches();
    api.store.apply(httpRoute('after-drop'));
    await waitFor(() => last().snapshot.httpRoutes.some((r) => r.metadata.name === 'after-drop'), 30_000, 'event after the drop');
    assert.is(routeReq(false).length, lists, 'no re-list');
    const rewatch = routeReq(true).at(-1)!;
    assert.is(rewatch.query.get('resourceVersion'), lastRv, 're-watched from the last resourceVersion seen');
  }, {}, [gatewayClass(), gateway(), httpRoute()]);
});

test('a silently stalled watch is abandoned after the inactivity timeout and resumed from its resourceVersion', async () => {
  await withProvider(async ({ last, api }) => {
    await waitFor(() => api.openWatches() >= INFORMERS, 30_000, 'all watches open');
    api.freezeWatches();
    api.store.apply(httpRoute('during-stall'));
    await waitFor(() => last().snapshot.httpRoutes.some((r) => r.metadata.name === 'during-stall'), 30_000, 'event sent during the stall');
    // 2 s, not less: a shorter client timeout also ends the healthy watches between the server's
    // 1 s bookmarks, and on a loaded machine the 17 of them were then rarely all open at once.
  }, { watchTimeoutMs: 2000 }, [gatewayClass(), gateway()]);
});

test('the watchdog restarts a watch that stays silent past stallMs even when the client timeout is long', async () => {
  await withProvider(async ({ last, api, provider }) => {
    await waitFor(() => api.openWatches() >= INFORMERS, 30_000, 'all watches open');
    api.freezeWatches();
    api.store.apply(httpRoute('during-stall'));
    await waitFor(() => last().snapshot.httpRoutes.some((r) => r.metadata.name === 'during-stall'), 30_000, 'event sent during the stall');
    assert.ok(provider.informers().find((i) => i.name === 'HTTPRoute')!.restarts() >= 1, 'restarted by the watchdog');
    // stallMs 2 s, not 300 ms: bookmarks do not count as activity, so every quiet watch is
    // restarted each stallMs; at 300 ms a loaded machine rarely had all 17 open at once.
  }, { watchTimeoutMs: 60_000, stallMs: 2000 }, [gatewayClass(), gateway()]);
});

test('a watch that fails with a server error is restarted with backoff, once at a time', async () => {
  await withProvider(async ({ last, api, provider }) => {
    let failing = 3;
    api.before((r) => {
      if (failing > 0 && r.path.endsWith('/grpcroutes') && r.query.get('watch') === 'true') { failing--; throw new Error('injected'); }
    });
    await waitFor(() => api.openWatches() >= INFORMERS, 30_000, 'all watches open');
    api.dropWatches();
    await waitFor(() => failing === 0, 30_000, 'three injected failures');
    api.store.apply({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute', metadata: { name: 'g', namespace: 'default' }, spec: { parentRefs: [{ name: 'edge' }] } });
    await waitFor(() => last().snapshot.grpcRoutes.length === 1, 30_000, 'grpc route after restarts');
    const grpc = provider.informers().find((i) => i.name === 'GRPCRoute')!;
    assert.ok(grpc.restarts() >= 1 && grpc.restarts() <= 4, `restarts: ${grpc.restarts()}`);
    await waitFor(() => api.openWatches() >= INFORMERS, 30_000, 'all watches open again');
    assert.is(api.openWatches(), INFORMERS, 'exactly one watch per informer');
  }, {}, [gatewayClass(), gateway()]);
});

test('a kind whose CRD is not installed is served as empty with a problem, and picked up once installed', async () => {
  const { startKubeApiServer } = await import('../../helpers/kube-api-server/index.ts');
  const { createKubernetesProvider, loadKubeConfig } = await import('../../../gateway/provider/kubernetes/index.ts');
  const api = await startKubeApiServer({ notServed: ['tcproutes'] });
  api.store.apply(gatewayClass());
  api.store.apply({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'TCPRoute', metadata: { name: 't', namespace: 'default' }, spec: { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 'db', port: 5432 }] }] } });
  const provider = createKubernetesProvider({ kubeConfig: loadKubeConfig(api.kubeconfigPath), controllerName: 'x', coalesceMs: 10, backoffBaseMs: 50 });
  const updates: any[] = [];
  try {
    await provider.start((u) => updates.push(u));
    assert.is(updates.at(-1).snapshot.gatewayClasses.length, 1, 'the rest is served');
    assert.is(updates.at(-1).snapshot.tcpRoutes.length, 0);
    assert.equal(updates.at(-1).problems.map((p: any) => `${p.reason} ${p.ref.kind}`), ['NotServed TCPRoute']);
    api.notServed.delete('tcproutes');
    await waitFor(() => updates.at(-1).snapshot.tcpRoutes.length === 1, 30_000, 'TCPRoute after the CRD is installed');
    assert.equal(updates.at(-1).problems, []);
  } finally {
    await provider.close();
    await api.close();
  }
});

test('--namespace limits namespaced kinds to those namespaces', async () => {
  await withProvider(async ({ last, api }) => {
    assert.equal(last().snapshot.httpRoutes.map((r) => r.metadata.namespace), ['team-a']);
    assert.ok(api.requests.some((r) => r.path === '/apis/gateway.networking.k8s.io/v1/namespaces/team-a/httproutes'));
  }, { namespaces: ['team-a'] }, [
    gatewayClass(), gateway(),
    { ...httpRoute('in-a'), metadata: { name: 'in-a', namespace: 'team-a' } },
    { ...httpRoute('in-b'), metadata: { name: 'in-b', namespace: 'team-b' } },
  ]);
});

test.run();
