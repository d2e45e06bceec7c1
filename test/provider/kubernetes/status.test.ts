import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../wait.ts';
import { CONTROLLER, gateway, gatewayClass, httpRoute, withProvider } from './fixtures.ts';
import type { ResourceStatus } from '../../../gateway/translator/api.ts';

const GW = 'gateway.networking.k8s.io/v1';
const OTHER = 'other.example.com/controller';
const cond = (type: string, status = 'True', reason = type) => ({ type, status, reason, message: '', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z' });
const otherEntry = (reason = 'Accepted') => ({ parentRef: { name: 'theirs' }, controllerName: OTHER, conditions: [cond('Accepted', 'True', reason)] });
const ours = (reason = 'Accepted'): ResourceStatus => ({
  ref: { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'default', name: 'web' }, generation: 1,
  status: { parents: [{ parentRef: { name: 'edge' }, controllerName: CONTROLLER, conditions: [cond('Accepted', 'True', reason), cond('ResolvedRefs')] }] },
});
const statusWrites = (reqs: { method: string; path: string }[]) => reqs.filter((r) => r.method !== 'GET' && r.path.endsWith('/status'));

test('a route status write keeps the other controller\'s parent entry and retries on 409 Conflict', async () => {
  await withProvider(async ({ api, provider, last }) => {
    let raced = false;
    api.before((r) => {
      // Another controller rewrites its own entry between our read and our write.
      if (!raced && r.method === 'PUT' && r.path.endsWith('/httproutes/web/status')) {
        raced = true;
        const live = api.get(GW, 'HTTPRoute', 'default', 'web')!;
        api.store.apply({ ...live, status: { parents: [otherEntry('UpdatedByThem')] } });
      }
    });
    await provider.writeStatus([ours()], last().snapshot);
    const summary = await provider.flushed();
    assert.ok(raced, 'the race was staged');
    assert.is(summary?.conflicts, 1);
    assert.is(summary?.written, 1);
    const parents = api.get(GW, 'HTTPRoute', 'default', 'web')!.status.parents;
    assert.is(parents.length, 2);
    assert.equal(parents[0], otherEntry('UpdatedByThem'), 'their newest entry survives untouched');
    assert.is(parents[1].controllerName, CONTROLLER);
    assert.is(parents[1].conditions[0].reason, 'Accepted');
    const puts = statusWrites(api.requests);
    assert.is(puts.length, 2, 'one rejected PUT, one accepted');
  }, {}, [gatewayClass(), gateway(), { ...httpRoute(), status: { parents: [otherEntry()] } }]);
});

test('an unchanged status is not written again; a detached route loses only our entry', async () => {
  await withProvider(async ({ api, provider, last }) => {
    await provider.writeStatus([ours()], last().snapshot);
    await provider.flushed();
    await waitFor(() => (provider.snapshot().httpRoutes[0]!.status as any)?.parents?.length === 2, 30_000, 'our entry seen through the watch');
    const before = statusWrites(api.requests).length;
    await provider.writeStatus([ours()], last().snapshot);
    const again = await provider.flushed();
    assert.is(again?.written, 0);
    assert.is(statusWrites(api.requests).length, before, 'no request for an unchanged status');
    // The translator no longer reports on the route: our entry goes, theirs stays.
    await provider.writeStatus([], last().snapshot);
    await provider.flushed();
    assert.equal(api.get(GW, 'HTTPRoute', 'default', 'web')!.status.parents, [otherEntry()]);
  }, {}, [gatewayClass(), gateway(), { ...httpRoute(), status: { parents: [otherEntry()] } }]);
});

test('Gateway status is merge-patched on the status subresource, keeping unchanged transition times', async () => {
  await withProvider(async ({ api, provider, last }) => {
    const gwStatus = (lastTransitionTime: string, status = 'True'): ResourceStatus => ({
      ref: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'default', name: 'edge' }, generation: 1,
      status: { conditions: [{ ...cond('Programmed', status), lastTransitionTime }], listeners: [{ name: 'http', attachedRoutes: 1, supportedKinds: [], conditions: [] }] },
    });
    await provider.writeStatus([gwStatus('2026-02-02T00:00:00Z')], last().snapshot);
    await provider.flushed();
    const patch = statusWrites(api.requests).at(-1)!;
    assert.is(patch.method, 'PATCH');
    assert.is((patch as any).contentType, 'application/merge-patch+json');
    assert.is(api.get(GW, 'Gateway', 'default', 'edge')!.status.conditions[0].lastTransitionTime, '2026-02-02T00:00:00Z');
    await waitFor(() => (provider.snapshot().gateways[0]!.status as any)?.conditions?.length === 1, 30_000, 'status seen');
    // A later translation with a new clock but the same condition status writes nothing.
    const n = statusWrites(api.requests).length;
    await provider.writeStatus([gwStatus('2026-03-03T00:00:00Z')], last().snapshot);
    await provider.flushed();
    assert.is(statusWrites(api.requests).length, n);
    // A real transition is written with its new time.
    await provider.writeStatus([gwStatus('2026-04-04T00:00:00Z', 'False')], last().snapshot);
    await provider.flushed();
    assert.is(api.get(GW, 'Gateway', 'default', 'edge')!.status.conditions[0].lastTransitionTime, '2026-04-04T00:00:00Z');
  }, {}, [gatewayClass(), gateway()]);
});

test('a status-only update (our own write coming back) emits no snapshot; a spec change does', async () => {
  await withProvider(async ({ api, provider, last, updates }) => {
    const n = updates.length;
    await provider.writeStatus([ours()], last().snapshot);
    await provider.flushed();
    await waitFor(() => (provider.snapshot().httpRoutes[0]!.status as any)?.parents?.length === 1, 30_000, 'status in the cache');
    await new Promise((r) => setTimeout(r, 150));
    assert.is(updates.length, n, 'no new snapshot for a status write');
    const live = api.get(GW, 'HTTPRoute', 'default', 'web')!;
    api.store.apply({ ...live, spec: { ...live.spec, hostnames: ['x.example'] } });
    await waitFor(() => updates.length > n, 30_000, 'a snapshot for the spec change');
    assert.equal((last().snapshot.httpRoutes[0]!.spec as any).hostnames, ['x.example']);
  }, {}, [gatewayClass(), gateway(), httpRoute()]);
});

test('the test API server itself: 409 on a stale resourceVersion, 415 for strategic merge on a custom resource', async () => {
  await withProvider(async ({ api }) => {
    const { createRest } = await import('../../../gateway/provider/kubernetes/rest.ts');
    const { loadKubeConfig } = await import('../../../gateway/provider/kubernetes/index.ts');
    const rest = createRest(loadKubeConfig(api.kubeconfigPath));
    const path = '/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/web';
    const live = await rest.request('GET', path);
    await rest.request('PUT', `${path}/status`, { body: { ...live, status: { parents: [] } } });
    const stale = await rest.request('PUT', `${path}/status`, { body: { ...live, status: { parents: [] } } }).catch((e) => e);
    assert.is(stale.statusCode, 409);
    const smp = await rest.request('PATCH', path, { body: { spec: {} }, contentType: 'application/strategic-merge-patch+json' }).catch((e) => e);
    assert.is(smp.statusCode, 415);
  }, {}, [httpRoute()]);
});

test('with --gateway, entries of the same controller for Gateways another Deployment serves are kept', async () => {
  // One Deployment per Gateway: this process serves default/edge; default/internal is another's.
  const theirs = { parentRef: { name: 'internal' }, controllerName: CONTROLLER, conditions: [cond('Accepted')] };
  const viaSet = { parentRef: { kind: 'ListenerSet', name: 'extra' }, controllerName: CONTROLLER, conditions: [cond('Accepted')] };
  const listenerSet = { apiVersion: GW, kind: 'ListenerSet', metadata: { name: 'extra', namespace: 'default' }, spec: { parentRef: { name: 'internal' }, listeners: [{ name: 'x', port: 81, protocol: 'HTTP' }] } };
  await withProvider(async ({ api, provider, last }) => {
    await provider.writeStatus([ours()], last().snapshot);
    await provider.flushed();
    const parents = api.get(GW, 'HTTPRoute', 'default', 'web')!.status.parents;
    assert.equal(parents.map((p: any) => p.parentRef.name), ['internal', 'extra', 'edge'], 'the other Gateway\'s entries (direct and via its ListenerSet) stay; ours is added');
  }, { gateways: ['default/edge'] }, [gatewayClass(), gateway(), listenerSet, { ...httpRoute(), status: { parents: [theirs, viaSet] } }]);
  // Without --gateway the same entries are this controller's own and are replaced.
  await withProvider(async ({ api, provider, last }) => {
    await provider.writeStatus([ours()], last().snapshot);
    await provider.flushed();
    assert.equal(api.get(GW, 'HTTPRoute', 'default', 'web')!.status.parents.map((p: any) => p.parentRef.name), ['edge']);
  }, {}, [gatewayClass(), gateway(), listenerSet, { ...httpRoute(), status: { parents: [theirs, viaSet] } }]);
});

test.run();
