// PLACEHOLDER created by the constructs engineer so `npx cdk8s synth` has an app to run; the
// example-app owner replaces it. One platform gateway, one tenant, one route.
import { App } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { BackendRef, FromNamespaces, Gateway, GatewayClass, HttpRoute, ListenerProtocol, PathMatch, Platform, TenantChart } from '../constructs/index.ts';

const app = new App();
const platform = new Platform(app, 'platform', { namespace: 'infra' });
const gatewayClass = new GatewayClass(platform, 'class', { metadata: { name: 'portico' } });
const edge = new Gateway(platform, 'edge', { metadata: { name: 'edge' }, gatewayClass });
const http = edge.addListener({ name: 'http', port: 80, protocol: ListenerProtocol.HTTP, hostname: '*.demo.example.com', allowedRoutes: { namespaces: { from: FromNamespaces.ALL } } });
const demo = platform.addTenant('demo', { name: 'demo', namespaces: ['demo'], hostnames: ['*.demo.example.com'], listeners: [http] });

const tenant = new TenantChart(app, 'tenant-demo', { tenant: demo });
const echo = new kplus.Service(tenant, 'echo', { metadata: { name: 'echo' }, ports: [{ port: 8080 }], selector: kplus.Pods.select(tenant, 'echo-pods', { labels: { app: 'echo' } }) });
new HttpRoute(tenant, 'echo-route', {
  metadata: { name: 'echo' },
  parentRefs: [http],
  hostnames: ['echo.demo.example.com'],
  rules: [{ matches: [{ path: PathMatch.prefix('/') }], backendRefs: [BackendRef.fromService(echo)] }],
});

app.synth();
