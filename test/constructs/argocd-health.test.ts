// The Argo CD health checks, run as Argo CD runs them (Lua 5.1: gopher-lua; here Debian's lua5.1)
// against statuses Portico's translator really produces: Healthy, Degraded with the condition's
// message, and Progressing (no status yet, or a status for an older generation). .ci/run installs
// lua5.1; without it this file fails in CI and says what it skipped elsewhere.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fromObjects } from '../../gateway/model/index.ts';
import { translate } from '../../gateway/translator/index.ts';
import { ARGOCD_HEALTH_CHECKS, GatewayRuntime } from '../../constructs/index.ts';

const CONTROLLER = 'portico.dev/gateway-controller';
const GW = 'gateway.networking.k8s.io/v1';
const hasLua = spawnSync('sh', ['-c', 'command -v lua5.1']).status === 0;

function luaValue(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
  if (Array.isArray(v)) return `{${v.map(luaValue).join(', ')}}`;
  return `{${Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined && x !== null).map(([k, x]) => `[${luaValue(k)}] = ${luaValue(x)}`).join(', ')}}`;
}

/** Runs a health script the way Argo CD does: `obj` is a global, the chunk returns the status table. */
function health(kind: string, obj: unknown): { status: string; message: string } {
  const script = ARGOCD_HEALTH_CHECKS[kind]!;
  assert.not.match(script, /\]==\]/);
  const program = `obj = ${luaValue(obj)}\nlocal chunk = assert(loadstring([==[${script}]==]))\nlocal hs = chunk()\nio.write(hs.status, "\\n", hs.message or "")\n`;
  const r = spawnSync('lua5.1', ['-'], { input: program, encoding: 'utf8' });
  assert.is(r.status, 0, `lua5.1 failed for ${kind}: ${r.stderr}`);
  const [status, ...message] = r.stdout.split('\n');
  return { status: status!, message: message.join('\n') };
}

const meta = (name: string, namespace = 'apps') => ({ name, namespace, generation: 1, uid: name, creationTimestamp: '2026-01-01T00:00:00Z' });
const manifests = [
  { apiVersion: GW, kind: 'GatewayClass', metadata: { ...meta('portico'), namespace: undefined }, spec: { controllerName: CONTROLLER } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } },
  {
    apiVersion: GW, kind: 'Gateway', metadata: meta('edge'),
    spec: {
      gatewayClassName: 'portico', allowedListeners: { namespaces: { from: 'Same' } },
      listeners: [
        { name: 'tcp', port: 5432, protocol: 'TCP' },
        { name: 'udp', port: 53, protocol: 'UDP' },
        { name: 'tls', port: 8443, protocol: 'TLS', tls: { mode: 'Passthrough' } },
      ],
    },
  },
  { apiVersion: GW, kind: 'Gateway', metadata: meta('closed'), spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } },
  { apiVersion: GW, kind: 'ListenerSet', metadata: meta('extra'), spec: { parentRef: { name: 'edge' }, listeners: [{ name: 'more', port: 5433, protocol: 'TCP' }] } },
  // The "closed" Gateway allows no ListenerSets (allowedListeners defaults to None).
  { apiVersion: GW, kind: 'ListenerSet', metadata: meta('refused'), spec: { parentRef: { name: 'closed' }, listeners: [{ name: 'x', port: 81, protocol: 'HTTP' }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: meta('db'), spec: { ports: [{ port: 5432 }, { port: 53, protocol: 'UDP' }, { port: 443 }] } },
  { apiVersion: GW, kind: 'TCPRoute', metadata: meta('db'), spec: { parentRefs: [{ name: 'edge', sectionName: 'tcp' }], rules: [{ backendRefs: [{ name: 'db', port: 5432 }] }] } },
  { apiVersion: GW, kind: 'TCPRoute', metadata: meta('db-missing'), spec: { parentRefs: [{ name: 'edge', sectionName: 'tcp' }], rules: [{ backendRefs: [{ name: 'nope', port: 5432 }] }] } },
  { apiVersion: GW, kind: 'UDPRoute', metadata: meta('dns'), spec: { parentRefs: [{ name: 'edge', sectionName: 'udp' }], rules: [{ backendRefs: [{ name: 'db', port: 53 }] }] } },
  { apiVersion: GW, kind: 'UDPRoute', metadata: meta('dns-wrong-section'), spec: { parentRefs: [{ name: 'edge', sectionName: 'nosuch' }], rules: [{ backendRefs: [{ name: 'db', port: 53 }] }] } },
  { apiVersion: GW, kind: 'TLSRoute', metadata: meta('tls'), spec: { parentRefs: [{ name: 'edge', sectionName: 'tls' }], hostnames: ['db.example.com'], rules: [{ backendRefs: [{ name: 'db', port: 443 }] }] } },
  { apiVersion: GW, kind: 'TLSRoute', metadata: meta('tls-missing'), spec: { parentRefs: [{ name: 'edge', sectionName: 'tls' }], hostnames: ['x.example.com'], rules: [{ backendRefs: [{ name: 'nope', port: 443 }] }] } },
];

/** The object with the status the translator wrote for it. */
function withStatus(kind: string, name: string): any {
  const { snapshot } = fromObjects(manifests);
  const { statuses } = translate(snapshot, { controllerName: CONTROLLER, now: '2026-01-01T00:00:01Z' });
  const obj = structuredClone(manifests.find((m) => m.kind === kind && m.metadata.name === name)!);
  const st = statuses.find((s) => s.ref.kind === kind && s.ref.name === name);
  assert.ok(st, `the translator reports on ${kind} ${name}`);
  return { ...obj, status: st!.status };
}

const skipNote = () => {
  if (process.env.CI) assert.unreachable('lua5.1 is missing: .ci/run installs it');
  console.log('  Argo CD health checks not run: lua5.1 is not installed (apt-get install lua5.1)');
};

test('Argo CD lacks checks for TCPRoute, UDPRoute, TLSRoute and ListenerSet: one script each, in argocd-cm keys', () => {
  assert.equal(Object.keys(ARGOCD_HEALTH_CHECKS).sort(), ['ListenerSet', 'TCPRoute', 'TLSRoute', 'UDPRoute']);
  assert.equal(Object.keys(GatewayRuntime.argoCdHealthChecks()), [
    'resource.customizations.health.gateway.networking.k8s.io_ListenerSet',
    'resource.customizations.health.gateway.networking.k8s.io_TCPRoute',
    'resource.customizations.health.gateway.networking.k8s.io_TLSRoute',
    'resource.customizations.health.gateway.networking.k8s.io_UDPRoute',
  ]);
});

for (const [kind, healthy, degraded, want] of [
  ['TCPRoute', 'db', 'db-missing', /^Parent edge\/tcp: .*nope/],
  ['UDPRoute', 'dns', 'dns-wrong-section', /^Parent edge\/nosuch: .+/],
  ['TLSRoute', 'tls', 'tls-missing', /^Parent edge\/tls: .*nope/],
  ['ListenerSet', 'extra', 'refused', /.+/],
] as const) {
  test(`${kind}: Healthy, Degraded with the condition's message, Progressing before the current generation is observed`, () => {
    if (!hasLua) return skipNote();
    const ok = withStatus(kind, healthy);
    assert.is(health(kind, ok).status, 'Healthy', JSON.stringify(ok.status));

    const bad = withStatus(kind, degraded);
    const h = health(kind, bad);
    assert.is(h.status, 'Degraded', JSON.stringify(bad.status));
    assert.match(h.message, want);
    const conditions = kind === 'ListenerSet' ? bad.status.conditions : bad.status.parents.flatMap((p: any) => p.conditions);
    assert.ok(conditions.some((c: any) => c.status === 'False' && c.message && h.message.endsWith(c.message)), `the message is the condition's own: ${h.message}`);

    // The spec changed (generation 2) and the controller has not written status for it yet.
    const stale = { ...ok, metadata: { ...ok.metadata, generation: 2 } };
    const p = health(kind, stale);
    assert.is(p.status, 'Progressing');
    assert.match(p.message, /generation 2/);
    const fresh = health(kind, { ...ok, status: undefined });
    assert.is(fresh.status, 'Progressing');
    assert.match(fresh.message, new RegExp(`Waiting for ${kind} status`));
  });
}

test.run();
