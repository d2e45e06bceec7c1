// The incremental translator against translate(): random sequences of changes (routes of every
// kind added, edited, re-parented or deleted; Services, EndpointSlices, ReferenceGrants,
// Gateway listeners and Namespaces changed) over a generated world, and after every step the
// incremental result must deep-equal a from-scratch translation: table, statuses, decisions and
// problems. Unchanged objects keep their identity between steps, as the providers keep them,
// so the memo is really exercised (the test checks it was). Then the identity contract with the
// data plane: a one-route change leaves every other port, listener and host entry the same object.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { emptySnapshot, snapshotKeyOf, sortSnapshot, type Snapshot } from '../../gateway/model/index.ts';
import { translate } from '../../gateway/translator/translate.ts';
import { createIncrementalTranslator } from '../../gateway/translator/incremental.ts';

type Obj = Record<string, any>;
const GW = 'gateway.networking.k8s.io/v1';
const OPTS = { controllerName: 'portico.dev/gateway-controller' };
const NAMESPACES = ['a', 'b'];
const SERVICES = ['s0', 's1', 's2'];
const HOSTS = ['x.example.com', 'y.example.com', '*.example.com', 'z.other.com'];

const idOf = (o: Obj) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
let clock = 0;
const stamp = (o: Obj): Obj => ({ ...o, metadata: { ...o.metadata, creationTimestamp: o.metadata.creationTimestamp ?? new Date(Date.UTC(2026, 0, 1, 0, 0, clock++)).toISOString(), generation: (o.metadata.generation ?? 0) + 1 } });

function gateway(variant: number): Obj {
  const listeners: Obj[] = [
    { name: 'web', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
    { name: 'ex', port: 80, protocol: 'HTTP', hostname: '*.example.com', allowedRoutes: { namespaces: { from: variant % 2 ? 'Same' : 'All' } } },
    { name: 'tcp', port: 9000, protocol: 'TCP', allowedRoutes: { namespaces: { from: 'All' }, kinds: [{ kind: 'TCPRoute' }] } },
    { name: 'pass', port: 8443, protocol: 'TLS', tls: { mode: 'Passthrough' }, allowedRoutes: { namespaces: { from: 'All' } } },
  ];
  if (variant % 3 === 2) listeners.push({ name: 'other', port: 81, protocol: 'HTTP', hostname: 'z.other.com', allowedRoutes: { namespaces: { from: 'All' } } });
  return { apiVersion: GW, kind: 'Gateway', metadata: { name: 'edge', namespace: 'a' }, spec: { gatewayClassName: 'portico', listeners } };
}

function service(ns: string, name: string, variant: number): Obj {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { ports: [{ name: 'p', port: variant % 3 === 2 ? 8081 : 8080, protocol: 'TCP' }] } };
}

function slice(ns: string, svc: string, variant: number): Obj {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `${svc}-1`, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4', endpoints: [{ addresses: [`127.0.0.${1 + (variant % 4)}`], conditions: { ready: variant % 5 !== 4 } }], ports: [{ name: 'p', port: 9000 + variant, protocol: 'TCP' }],
  };
}

function backend(v: number, ns: string): Obj {
  const cross = v % 7 === 6;
  return { name: SERVICES[v % SERVICES.length], port: v % 5 === 4 ? 9999 : 8080, ...(cross ? { namespace: ns === 'a' ? 'b' : 'a' } : {}) };
}

function route(kind: string, ns: string, name: string, v: number): Obj {
  const parent = v % 4 === 0 ? { name: 'edge', namespace: 'a' } : v % 4 === 1 ? { name: 'edge', namespace: 'a', sectionName: 'web' }
    : v % 4 === 2 ? { name: 'edge', namespace: 'a', sectionName: 'ex' } : { name: 'nope', namespace: 'a' };
  const hostnames = v % 3 === 0 ? [] : [HOSTS[v % HOSTS.length]];
  const meta = { name, namespace: ns };
  if (kind === 'HTTPRoute') {
    return { apiVersion: GW, kind, metadata: meta, spec: { parentRefs: [parent], hostnames, rules: [
      { matches: [{ path: { type: v % 2 ? 'Exact' : 'PathPrefix', value: `/p${v % 3}` } }], backendRefs: [backend(v, ns)] },
      ...(v % 5 === 0 ? [{ backendRefs: [backend(v + 1, ns), backend(v + 2, ns)], filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-v', value: String(v) }] } }] }] : []),
    ] } };
  }
  if (kind === 'GRPCRoute') {
    return { apiVersion: GW, kind, metadata: meta, spec: { parentRefs: [parent], hostnames, rules: [{ matches: [{ method: { service: `svc${v % 2}` } }], backendRefs: [backend(v, ns)] }] } };
  }
  if (kind === 'TLSRoute') {
    return { apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind, metadata: meta, spec: { parentRefs: [{ name: 'edge', namespace: 'a', sectionName: 'pass' }], hostnames: [HOSTS[v % 2]], rules: [{ backendRefs: [backend(v, ns)] }] } };
  }
  return { apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind, metadata: meta, spec: { parentRefs: [{ name: 'edge', namespace: 'a', ...(v % 2 ? { sectionName: 'tcp' } : {}) }], rules: [{ backendRefs: [backend(v, ns)] }] } };
}

function baseWorld(): Map<string, Obj> {
  const objs: Obj[] = [
    { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: OPTS.controllerName } },
    ...NAMESPACES.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    gateway(0),
  ];
  for (const ns of NAMESPACES) for (const s of SERVICES) objs.push(service(ns, s, 0), slice(ns, s, 0));
  return new Map(objs.map((o) => { const s = stamp(o); return [idOf(s), s]; }));
}

function snapshotOf(world: Map<string, Obj>): Snapshot {
  const s = emptySnapshot();
  for (const o of world.values()) (s[snapshotKeyOf(o)!] as Obj[]).push(o);
  return sortSnapshot(s);
}

const ROUTE_KINDS = ['HTTPRoute', 'HTTPRoute', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute'];
const change = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('route' as const), kind: fc.constantFrom(...ROUTE_KINDS), ns: fc.constantFrom(...NAMESPACES), n: fc.integer({ min: 0, max: 7 }), v: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('delete' as const), i: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constantFrom('service' as const, 'slice' as const), ns: fc.constantFrom(...NAMESPACES), s: fc.constantFrom(...SERVICES), v: fc.integer({ min: 0, max: 9 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constantFrom('gateway' as const, 'grant' as const, 'label' as const), v: fc.integer({ min: 0, max: 9 }) }) },
);
type Change = typeof change extends fc.Arbitrary<infer T> ? T : never;

function applyChange(world: Map<string, Obj>, c: Change): void {
  const put = (o: Obj) => { const prev = world.get(idOf(o)); world.set(idOf(o), stamp(prev ? { ...o, metadata: { ...o.metadata, creationTimestamp: prev.metadata.creationTimestamp, generation: prev.metadata.generation } } : o)); };
  switch (c.t) {
    case 'route': put(route(c.kind, c.ns, `r${c.n}`, c.v)); break;
    case 'delete': {
      const routes = [...world.keys()].filter((k) => k.includes('Route/'));
      if (routes.length > 0) world.delete(routes[c.i % routes.length]!);
      break;
    }
    case 'service': put(service(c.ns, c.s, c.v)); break;
    case 'slice': put(slice(c.ns, c.s, c.v)); break;
    case 'gateway': put(gateway(c.v)); break;
    case 'grant': {
      const g = { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'g', namespace: 'b' },
        spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'a' }], to: [{ group: '', kind: 'Service' }] } };
      if (c.v % 2) put(g); else world.delete(idOf(g));
      break;
    }
    case 'label': put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b', labels: { v: String(c.v) } } }); break;
  }
}

test('incremental translation deep-equals a full translation after every change', () => {
  let reusedTotal = 0;
  fc.assert(fc.property(fc.array(change, { minLength: 1, maxLength: 40 }), (changes) => {
    const world = baseWorld();
    const inc = createIncrementalTranslator();
    let step = 0;
    const check = () => {
      const snapshot = snapshotOf(world);
      const opts = { ...OPTS, now: new Date(Date.UTC(2026, 5, 1, 0, 0, step++)).toISOString() };
      const got = inc.translate(snapshot, opts);
      reusedTotal += inc.reused;
      assert.equal(got, translate(snapshot, opts));
    };
    check();
    for (const c of changes) { applyChange(world, c); check(); }
  }), { seed: 20261207, numRuns: 150 });
  assert.ok(reusedTotal > 1000, `the memo was used (${reusedTotal} route outcomes reused)`);
});

test('a change to one route keeps every other port, listener and host entry the same object', () => {
  const world = baseWorld();
  for (let i = 0; i < 30; i++) applyChange(world, { t: 'route', kind: 'HTTPRoute', ns: 'a', n: i % 8, v: i });
  applyChange(world, { t: 'route', kind: 'TCPRoute', ns: 'a', n: 9, v: 1 });
  applyChange(world, { t: 'gateway', v: 2 });
  for (let i = 0; i < 8; i++) world.set(`HTTPRoute/b/h${i}`, stamp(route('HTTPRoute', 'b', `h${i}`, 1)));
  world.set('HTTPRoute/b/h0', stamp({ ...route('HTTPRoute', 'b', 'h0', 1), spec: { ...route('HTTPRoute', 'b', 'h0', 1).spec, hostnames: ['z.other.com'] } }));
  const inc = createIncrementalTranslator();
  const before = inc.translate(snapshotOf(world), { ...OPTS, now: '2026-06-01T00:00:00Z' });
  // One route on port 80 gets a new hostname of its own.
  const r = world.get('HTTPRoute/b/h3')!;
  world.set('HTTPRoute/b/h3', { ...r, metadata: { ...r.metadata, generation: 2 }, spec: { ...r.spec, hostnames: ['new.example.com'] } });
  const after = inc.translate(snapshotOf(world), { ...OPTS, now: '2026-06-01T00:00:01Z' });
  assert.equal(after, translate(snapshotOf(world), { ...OPTS, now: '2026-06-01T00:00:01Z' }));
  const ports = (t: typeof before) => t.table.gateways[0]!.ports;
  const p80 = (t: typeof before) => ports(t).find((p) => p.port === 80)!;
  assert.ok(ports(after).length >= 3);
  for (const p of ports(after)) if (p.port !== 80) assert.ok(ports(before).includes(p), `port ${p.port} is the same object`);
  assert.is.not(p80(after), p80(before), 'port 80 changed');
  const changed = p80(after).listeners.filter((l) => !p80(before).listeners.includes(l));
  assert.is(changed.length, 1, 'one listener of port 80 changed');
  const hostsBefore = p80(before).listeners.flatMap((l) => l.http ?? []);
  const newHosts = changed[0]!.http!.filter((h) => !hostsBefore.includes(h)).map((h) => h.hostname);
  // The new host, and the hosts whose rules held the moved route, are new; the rest are the same objects.
  assert.ok(newHosts.includes('new.example.com'), newHosts.join());
  assert.ok(newHosts.length < changed[0]!.http!.length, `only the affected hosts are new (${newHosts.join()})`);
  // Nothing changed: everything is the same object.
  const again = inc.translate(snapshotOf(world), { ...OPTS, now: '2026-06-01T00:00:02Z' });
  assert.ok(again.table.gateways[0]!.ports.every((p, i) => p === ports(after)[i]));
});

test.run();
