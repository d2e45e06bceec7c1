import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import {
  attachValidation, BackendRef, CertificateRef, FromNamespaces, Gateway, GatewayClass, HttpRoute, ListenerProtocol,
  Platform, PorticoApp, RouteKind, TcpRoute, Tenant, TenantChart, validateApp,
} from '../../constructs/index.ts';
import { edgeGateway, synthErrors } from './fixtures.ts';

function gatewayIn(chart: Chart) {
  return new Gateway(chart, 'edge', {
    metadata: { name: 'edge' },
    gatewayClass: new GatewayClass(chart, 'class', { metadata: { name: 'portico' } }),
    listeners: [{ name: 'http', port: 80, protocol: ListenerProtocol.HTTP, allowedRoutes: { namespaces: { from: FromNamespaces.ALL }, kinds: [RouteKind.HTTP_ROUTE] } }],
  });
}

test('translator problems become synth errors on the construct that declared the object', () => {
  // Given a TCPRoute on a listener that only allows HTTPRoutes
  const app = new PorticoApp({ validation: { printWarnings: false } });
  const chart = new Chart(app, 'infra', { namespace: 'infra' });
  const gw = gatewayIn(chart);
  new TcpRoute(chart, 'db', { metadata: { name: 'db' }, parentRefs: [gw.listener('http')], rules: [{ backendRefs: [BackendRef.fromName('db', { port: 5432 })] }] });
  // When synthesized, Then the translator's verdict names the route's construct path, field and reason
  const errors = synthErrors(app);
  assert.ok(errors.some((e) => e.startsWith('[infra/db] TCPRoute infra/db spec.parentRefs[0]') && e.includes('(NotAllowedByListeners)')), errors.join('\n'));
});

test('CRD schema and CEL violations (e.g. from an escape-hatch patch) become synth errors', () => {
  const app = new PorticoApp({ validation: { printWarnings: false } });
  const chart = new Chart(app, 'infra', { namespace: 'infra' });
  const gw = gatewayIn(chart);
  const route = new HttpRoute(chart, 'web', { metadata: { name: 'web' }, parentRefs: [gw], hostnames: ['web.example.com'], rules: [{ backendRefs: [BackendRef.fromName('web', { port: 80 })] }] });
  ApiObject.of(route).addJsonPatch(JsonPatch.replace('/spec/hostnames/0', 'Not_A_Hostname'));
  const errors = synthErrors(app);
  assert.ok(errors.some((e) => e.startsWith('[infra/web] HTTPRoute infra/web spec.hostnames[0]')), errors.join('\n'));
});

test('a tenant repo attaches to an imported gateway and is still validated against its listeners', () => {
  // Given a tenant repo that knows the platform gateway only by its attributes
  const app = new App();
  const platform = new Platform(app, 'platform', { namespace: 'infra', validation: { printWarnings: false } });
  const edge = Gateway.fromGatewayAttributes(platform, 'edge', {
    name: 'edge', namespace: 'infra',
    listeners: [
      { name: 'https', port: 443, protocol: ListenerProtocol.HTTPS, hostname: '*.blog.example.com', tls: { certificateRefs: [CertificateRef.fromName('wild')] }, allowedRoutes: { namespaces: { from: FromNamespaces.ALL } } },
      { name: 'internal', port: 8443, protocol: ListenerProtocol.HTTPS, hostname: '*.internal.example.com', tls: { certificateRefs: [CertificateRef.fromName('wild')] }, allowedRoutes: { namespaces: { from: FromNamespaces.ALL } } },
    ],
  });
  const blog = platform.addTenant('blog', { name: 'blog', namespaces: ['blog'], hostnames: ['*.blog.example.com'], listeners: [edge.listener('https')] });
  const chart = new TenantChart(app, 'tenant-blog', { tenant: blog });
  new HttpRoute(chart, 'ok', { metadata: { name: 'ok' }, parentRefs: [edge.listener('https')], hostnames: ['www.blog.example.com'], rules: [{ backendRefs: [BackendRef.fromName('www', { port: 80 })] }] });
  new HttpRoute(chart, 'internal', { metadata: { name: 'internal' }, parentRefs: [edge.listener('internal')], hostnames: ['x.blog.example.com'], rules: [{ backendRefs: [BackendRef.fromName('www', { port: 80 })] }] });
  // When synthesized, Then only the route on the listener the tenant may not use fails
  const errors = synthErrors(app);
  assert.ok(errors.length >= 1, 'expected an error');
  assert.ok(errors.every((e) => e.startsWith('[tenant-blog/internal]')), errors.join('\n'));
  assert.ok(errors.some((e) => e.includes('attaches to gateway infra/edge listener "internal", which tenant "blog" may not use')), errors.join('\n'));
  // And the imported gateway is not written out
  const yaml = (() => { try { return app.synthYaml(); } catch { return ''; } })();
  assert.not.ok(yaml.includes('kind: Gateway\n'));
});

test('a tenant repo (imported tenant and gateway, no Platform) is validated by its TenantChart', () => {
  // Given the tenant's own repo: the platform's tenant and gateway are known by attributes only
  const app = new App();
  const shared = new Chart(app, 'shared');
  const tenantOpts = { name: 'blog', namespaces: ['blog'], hostnames: ['*.blog.example.com'] };
  const edge = Gateway.fromGatewayAttributes(shared, 'edge', {
    name: 'edge', namespace: 'infra',
    listeners: [{ name: 'https', port: 443, protocol: ListenerProtocol.HTTPS, hostname: '*.blog.example.com', tls: { certificateRefs: [CertificateRef.fromName('wild')] },
      allowedRoutes: { namespaces: { from: FromNamespaces.SELECTOR, selector: { matchLabels: { 'portico.dev/tenant': 'blog' } } } } }],
  });
  const blog = Tenant.fromTenantAttributes(shared, 'blog', { ...tenantOpts, listeners: [edge.listener('https')] });
  const chart = new TenantChart(app, 'tenant-blog', { tenant: blog, validation: { printWarnings: false } });
  new HttpRoute(chart, 'www', { metadata: { name: 'www' }, parentRefs: [edge.listener('https')], hostnames: ['www.blog.example.com'], rules: [{ backendRefs: [BackendRef.fromName('www', { port: 80 })] }] });
  // When synthesized, Then the Selector listener admits the tenant namespace and nothing but the route is written
  assert.equal(synthErrors(app), []);
  assert.equal(app.charts.flatMap((c) => c.toJson()).map((o: any) => o.kind), ['HTTPRoute']);
  // And a hostname the tenant does not own still fails
  new HttpRoute(chart, 'bad', { metadata: { name: 'bad' }, parentRefs: [edge.listener('https')], hostnames: ['www.shop.example.com'], rules: [{ backendRefs: [BackendRef.fromName('www', { port: 80 })] }] });
  const errors = synthErrors(app);
  assert.ok(errors.some((e) => e.startsWith('[tenant-blog/bad] HTTPRoute blog/bad spec.hostnames[0]: "www.shop.example.com" is not owned by tenant "blog"')), errors.join('\n'));
});

test('validateApp reports the same errors without throwing, and a route with a hostname outside the listener fails', () => {
  const app = new App();
  const chart = new Chart(app, 'infra', { namespace: 'infra' });
  const gw = edgeGateway(chart, { name: 'edge' }, [{ name: 'web', port: 80, protocol: ListenerProtocol.HTTP, hostname: 'www.example.com' }]);
  new HttpRoute(chart, 'api', { metadata: { name: 'api' }, parentRefs: [gw.listener('web')], hostnames: ['api.example.com'], rules: [{ backendRefs: [BackendRef.fromName('api', { port: 80 })] }] });
  // Without attachValidation, synth does not run the checks
  assert.equal(synthErrors(app), []);
  const result = validateApp(app);
  assert.ok(result.errors.some((e) => e.path === 'infra/api' && e.problem.reason === 'NoMatchingListenerHostname'), JSON.stringify(result.errors.map((e) => e.text)));
  attachValidation(app, { printWarnings: false });
  attachValidation(app, { printWarnings: false });
  const errors = synthErrors(app);
  assert.equal(errors.filter((e) => e.includes('NoMatchingListenerHostname')).length, 1, errors.join('\n'));
});

test('app.synth() to a directory runs the validation too, and writes nothing when it fails', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'portico-synth-'));
  try {
    const app = new PorticoApp({ outdir, validation: { printWarnings: false } });
    const chart = new Chart(app, 'infra', { namespace: 'infra' });
    const gw = gatewayIn(chart);
    new HttpRoute(chart, 'web', { metadata: { name: 'web' }, parentRefs: [gw], rules: [{ backendRefs: [BackendRef.fromName('web', { port: 80 })] }] });
    app.synth();
    assert.ok(readFileSync(join(outdir, 'infra.k8s.yaml'), 'utf8').includes('kind: HTTPRoute'));
    const bad = new PorticoApp({ outdir: join(outdir, 'bad'), validation: { printWarnings: false } });
    const badChart = new Chart(bad, 'infra', { namespace: 'infra' });
    new TcpRoute(badChart, 'db', { parentRefs: [gatewayIn(badChart).listener('http')], rules: [{ backendRefs: [BackendRef.fromName('db', { port: 1 })] }] });
    assert.throws(() => bad.synth(), /NotAllowedByListeners/);
    assert.equal(readdirSync(join(outdir, 'bad')), []);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});

test('objects in a chart without a namespace are judged in "default" and reported on their construct', () => {
  const app = new PorticoApp({ validation: { printWarnings: false } });
  const chart = new Chart(app, 'plain');
  const gw = gatewayIn(chart);
  new TcpRoute(chart, 'db', { metadata: { name: 'db' }, parentRefs: [gw.listener('http')], rules: [{ backendRefs: [BackendRef.fromName('db', { port: 5432 })] }] });
  const errors = synthErrors(app);
  assert.ok(errors.some((e) => e.startsWith('[plain/db] TCPRoute default/db spec.parentRefs[0]')), errors.join('\n'));
});

test.run();
