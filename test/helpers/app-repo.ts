// A tenant's app repository for the PR-check and Argo CD plugin tests: a cdk8s app of team
// "shop" with one route on the platform's Gateway (imported: the platform repo owns it), built
// on this repository's constructs and node_modules (symlinked in, as if installed).
import { copyFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './cli.ts';

export const CDK8S_YAML = `language: typescript
app: node --import tsx main.ts
output: dist
`;

export interface ShopApp {
  /** Weights of web-v1 and web-v2 (default: web-v1 alone). */
  weights?: [number, number];
  /** The route's hostname (default www.shop.example.com, which the tenant owns). */
  hostname?: string;
  /** Declare the route in a TenantChart (synth checks ownership) or in a plain Chart (only validate --tenants can). */
  tenantChart?: boolean;
}

export function shopMainTs(o: ShopApp = {}): string {
  const backends = o.weights
    ? `[BackendRef.fromService(v1, { weight: ${o.weights[0]} }), BackendRef.fromService(v2, { weight: ${o.weights[1]} })]`
    : '[BackendRef.fromService(v1)]';
  const chart = (o.tenantChart ?? true)
    ? "new TenantChart(app, 'shop', { tenant: shop })"
    : "new Chart(app, 'shop', { namespace: 'shop' })";
  return `import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { BackendRef, FromNamespaces, Gateway, HttpRoute, ListenerProtocol, Tenant, TenantChart } from ${JSON.stringify(join(REPO, 'constructs/index.ts'))};

const app = new App();
const refs = new Chart(app, 'platform-refs');
const gw = Gateway.fromGatewayAttributes(refs, 'public', {
  name: 'public', namespace: 'portico-system', gatewayClassName: 'portico',
  listeners: [{ name: 'http', port: 80, protocol: ListenerProtocol.HTTP, allowedRoutes: { namespaces: { from: FromNamespaces.ALL } } }],
});
const shop = Tenant.fromTenantAttributes(refs, 'shop', { name: 'shop', namespaces: ['shop'], hostnames: ['*.shop.example.com'], listeners: [gw.listener('http')] });
const chart = ${chart};
const v1 = new kplus.Service(chart, 'web-v1', { metadata: { name: 'web-v1' }, ports: [{ port: 8080 }] });
const v2 = new kplus.Service(chart, 'web-v2', { metadata: { name: 'web-v2' }, ports: [{ port: 8080 }] });
new HttpRoute(chart, 'web', {
  metadata: { name: 'web' },
  parentRefs: [gw.listener('http')],
  hostnames: [${JSON.stringify(o.hostname ?? 'www.shop.example.com')}],
  rules: [{ name: 'all', backendRefs: ${backends} }],
});
app.synth();
`;
}

/** Writes the app into `dir`: cdk8s.yaml, main.ts, node_modules (symlink) and the platform's tenants file. */
export function writeShopApp(dir: string, o: ShopApp = {}): void {
  writeFileSync(join(dir, 'cdk8s.yaml'), CDK8S_YAML);
  writeFileSync(join(dir, 'main.ts'), shopMainTs(o));
  writeFileSync(join(dir, '.gitignore'), 'node_modules\nreport.md\n');
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  copyFileSync(join(REPO, 'platform-tenants.yaml'), join(dir, 'platform-tenants.yaml'));
}
