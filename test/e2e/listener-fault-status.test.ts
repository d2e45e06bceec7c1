// The apply stage's failures land on the listener they concern (pipeline/status.ts): a listener
// the data plane could not load is Programmed=False, listeners on a port that could not be bound
// are Accepted=False/PortUnavailable, and nothing else in the status changes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ResourceStatus } from '../../gateway/translator/api.ts';
import type { RoutingTable } from '../../gateway/ir/index.ts';
import { patchListenerFaults } from '../../gateway/pipeline/status.ts';

const NOW = '2026-01-01T00:00:00Z';
const cond = (type: string) => ({ type, status: 'True', reason: type, message: '', observedGeneration: 1, lastTransitionTime: '2025-01-01T00:00:00Z' });
const listener = (name: string) => ({ name, attachedRoutes: 0, conditions: [cond('Accepted'), cond('Programmed'), cond('ResolvedRefs')] });
const gatewayStatus = (): ResourceStatus => ({
  ref: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'ns', name: 'gw' }, generation: 1,
  status: { conditions: [cond('Accepted'), cond('Programmed')], listeners: [listener('a'), listener('b'), listener('c')] },
});
const src = (sectionName: string) => ({ kind: 'Gateway' as const, namespace: 'ns', name: 'gw', sectionName });
const table: RoutingTable = { gateways: [{ key: 'ns/gw', namespace: 'ns', name: 'gw', addresses: ['127.0.0.1'], ports: [
  { port: 443, transport: 'tcp', listeners: [{ id: 'ns/gw/a', source: src('a'), protocol: 'HTTPS' }, { id: 'ns/gw/b', source: src('b'), protocol: 'HTTPS' }] },
  { port: 80, transport: 'tcp', listeners: [{ id: 'ns/gw/c', source: src('c'), protocol: 'HTTP' }] },
] }] };

const conds = (rs: ResourceStatus, name: string) =>
  Object.fromEntries(((rs.status as any).listeners.find((l: any) => l.name === name).conditions as any[]).map((c) => [c.type, `${c.status}/${c.reason}`]));

test('a listener that did not load and a port that could not be bound are reported on their listeners only', () => {
  const { statuses, problems } = patchListenerFaults([gatewayStatus()], {
    listening: [],
    errors: [{ gateway: 'ns/gw', address: '127.0.0.1', port: 80, message: 'EADDRINUSE' }],
    listenerErrors: [{ gateway: 'ns/gw', listener: 'ns/gw/a', source: src('a'), port: 443, message: 'key values mismatch' }],
  }, NOW, table);
  const rs = statuses[0];
  assert.equal(conds(rs, 'a'), { Accepted: 'True/Accepted', Programmed: 'False/Invalid', ResolvedRefs: 'True/ResolvedRefs' });
  assert.equal(conds(rs, 'b'), { Accepted: 'True/Accepted', Programmed: 'True/Programmed', ResolvedRefs: 'True/ResolvedRefs' });
  assert.equal(conds(rs, 'c'), { Accepted: 'False/PortUnavailable', Programmed: 'False/Invalid', ResolvedRefs: 'True/ResolvedRefs' });
  assert.equal((rs.status as any).conditions, gatewayStatus().status.conditions, 'the Gateway conditions are left to patchGatewayAddresses');
  assert.equal(problems.map((p) => `${p.reason} ${p.field}`), ['ListenerNotLoaded listener a (port 443)', 'PortUnavailable listener c (port 80)']);
  assert.match(problems[1].message, 'cannot listen on 127.0.0.1:80: EADDRINUSE');
});

test('without faults the statuses are returned as they are', () => {
  const before = [gatewayStatus()];
  const { statuses, problems } = patchListenerFaults(before, { listening: [], errors: [] }, NOW, table);
  assert.is(statuses, before);
  assert.equal(problems, []);
});

test.run();
