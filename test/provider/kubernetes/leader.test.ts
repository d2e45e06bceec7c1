import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../wait.ts';
import { startKubeApiServer } from '../../helpers/kube-api-server/index.ts';
import { createLeaderElector, microTime } from '../../../gateway/provider/kubernetes/leader.ts';
import { createRest } from '../../../gateway/provider/kubernetes/rest.ts';
import { createKubernetesProvider, loadKubeConfig } from '../../../gateway/provider/kubernetes/index.ts';
import { CONTROLLER, gateway, gatewayClass, httpRoute } from './fixtures.ts';
import type { ResourceStatus } from '../../../gateway/translator/api.ts';

const log = () => {};
const LEASE = ['coordination.k8s.io/v1', 'Lease', 'portico-system', 'portico'] as const;

test('Lease: the first candidate creates it, a second waits until it expires, then takes over with a new transition', async () => {
  const api = await startKubeApiServer();
  try {
    const rest = createRest(loadKubeConfig(api.kubeconfigPath));
    let t = Date.parse('2026-06-01T00:00:00Z');
    const now = () => t;
    const a = createLeaderElector({ rest, namespace: 'portico-system', name: 'portico', identity: 'a', leaseDurationSeconds: 10, now, log });
    const b = createLeaderElector({ rest, namespace: 'portico-system', name: 'portico', identity: 'b', leaseDurationSeconds: 10, now, log });
    await a.tick();
    assert.ok(a.isLeader());
    let lease = api.get(...LEASE)!;
    assert.is(lease.spec.holderIdentity, 'a');
    assert.is(lease.spec.renewTime, microTime(t));
    assert.match(lease.spec.renewTime, /\.\d{6}Z$/);
    t += 5000;
    await b.tick();
    assert.not.ok(b.isLeader(), 'a live lease is not taken');
    await a.tick();
    assert.is(api.get(...LEASE)!.spec.renewTime, microTime(t), 'the holder renews');
    t += 10_001;
    assert.not.ok(a.isLeader(), 'a holder that could not renew for a lease duration stops acting as leader');
    await b.tick();
    assert.ok(b.isLeader());
    lease = api.get(...LEASE)!;
    assert.is(lease.spec.holderIdentity, 'b');
    assert.is(lease.spec.leaseTransitions, 1);
    await a.tick();
    assert.not.ok(a.isLeader());
  } finally {
    await api.close();
  }
});

test('Lease: two candidates racing on one resourceVersion cannot both win (409)', async () => {
  const api = await startKubeApiServer();
  try {
    const rest = createRest(loadKubeConfig(api.kubeconfigPath));
    let t = Date.parse('2026-06-01T00:00:00Z');
    const now = () => t;
    const old = createLeaderElector({ rest, namespace: 'portico-system', name: 'portico', identity: 'old', leaseDurationSeconds: 10, now, log });
    await old.tick();
    t += 60_000;
    const a = createLeaderElector({ rest, namespace: 'portico-system', name: 'portico', identity: 'a', leaseDurationSeconds: 10, now, log });
    const b = createLeaderElector({ rest, namespace: 'portico-system', name: 'portico', identity: 'b', leaseDurationSeconds: 10, now, log });
    // Hold every Lease PUT until both candidates have read the same expired Lease.
    let gets = 0;
    let release!: () => void;
    const bothRead = new Promise<void>((r) => (release = r));
    api.before(async (r) => {
      if (!r.path.includes('/leases/')) return;
      if (r.method === 'GET' && ++gets === 2) release();
      if (r.method === 'PUT') await bothRead;
    });
    await Promise.all([a.tick(), b.tick()]);
    assert.is([a.isLeader(), b.isLeader()].filter(Boolean).length, 1, 'exactly one winner');
    assert.is(api.get(...LEASE)!.spec.holderIdentity, a.isLeader() ? 'a' : 'b');
  } finally {
    await api.close();
  }
});

test('only the Lease holder writes status; the other replica takes over (and writes) after the holder leaves', async () => {
  const api = await startKubeApiServer();
  for (const o of [gatewayClass(), gateway(), httpRoute()]) api.store.apply(o);
  const make = (identity: string) => createKubernetesProvider({
    kubeConfig: loadKubeConfig(api.kubeconfigPath), controllerName: CONTROLLER, coalesceMs: 10,
    lease: { namespace: 'portico-system', name: 'portico', identity, leaseDurationSeconds: 2, retryPeriodMs: 100 },
  });
  const status = (reason: string): ResourceStatus => ({
    ref: { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'default', name: 'web' }, generation: 1,
    status: { parents: [{ parentRef: { name: 'edge' }, controllerName: CONTROLLER, conditions: [{ type: 'Accepted', status: 'True', reason, message: '', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z' }] }] },
  });
  const a = make('a'), b = make('b');
  let snapA: any, snapB: any;
  try {
    await a.start((u) => (snapA = u.snapshot));
    await waitFor(() => a.isLeader(), 30_000, 'a leads');
    await b.start((u) => (snapB = u.snapshot));
    await new Promise((r) => setTimeout(r, 300));
    assert.not.ok(b.isLeader(), 'b follows');
    const writes = () => api.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/status')).length;
    await b.writeStatus([status('FromB')], snapB);
    await b.flushed();
    assert.is(writes(), 0, 'a follower writes nothing');
    await a.writeStatus([status('FromA')], snapA);
    await a.flushed();
    assert.is(writes(), 1);
    assert.is(api.get(GW, 'HTTPRoute', 'default', 'web')!.status.parents[0].conditions[0].reason, 'FromA');
    await a.close();
    await waitFor(() => b.isLeader(), 30_000, 'b takes over after a released the Lease');
    // The status b computed while following is written once it leads.
    await waitFor(() => api.get(GW, 'HTTPRoute', 'default', 'web')!.status.parents[0].conditions[0].reason === 'FromB', 30_000, 'b wrote its pending status');
  } finally {
    await a.close();
    await b.close();
    await api.close();
  }
});

const GW = 'gateway.networking.k8s.io/v1';

test.run();
