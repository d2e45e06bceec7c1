// validateOffline(): the one offline validation synth and `portico validate` run, with the
// tenancy rules as a hook over the translator's decisions.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseManifests } from '../../gateway/model/index.ts';
import { formatProblem, tenancyRules, validateOffline, type OfflineView, type TenantModel } from '../../gateway/validate/index.ts';
import { GATEWAY_CLASS } from '../helpers/manifests.ts';

const CONTROLLER = 'portico.dev/gateway-controller';
const objects = parseManifests(`${GATEWAY_CLASS}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: edge, namespace: infra }
spec:
  gatewayClassName: portico
  listeners:
    - { name: shop, port: 80, protocol: HTTP, hostname: "*.shop.example.com", allowedRoutes: { namespaces: { from: All } } }
    - { name: admin, port: 81, protocol: HTTP, allowedRoutes: { namespaces: { from: All } } }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: shop }
spec:
  parentRefs: [{ name: edge, namespace: infra }]
  hostnames: [www.shop.example.com, api.other.com]
  rules: [{ backendRefs: [{ name: web, port: 80 }, { name: pay, namespace: payments, port: 80 }] }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: { name: web-tls, namespace: shop }
spec:
  targetRefs: [{ group: "", kind: Service, name: web }]
  validation: { hostname: web.shop.svc, wellKnownCACertificates: System }
`).objects;

const shop: TenantModel = {
  name: 'shop', namespaces: ['shop'], hostnames: ['*.shop.example.com'], allowListenerSets: false,
  listeners: [{ kind: 'Gateway', namespace: 'infra', name: 'edge', sectionName: 'shop' }], policyKinds: [],
};

test('the tenancy hook judges the translator decisions; a missing grant is reported once, by the translator', () => {
  const { problems } = validateOffline({ objects, controllerNames: [CONTROLLER], hooks: [tenancyRules({ tenants: [shop] })] });
  const errors = problems.filter((p) => p.severity === 'error').map((p) => `${p.ref.kind} ${p.ref.name} ${p.field} ${p.reason}`);
  assert.equal(errors.sort(), [
    'BackendTLSPolicy web-tls kind PolicyNotAllowed',
    'HTTPRoute web spec.hostnames[1] HostnameNotOwned',
    // without sectionName the route takes every listener that admits it, including "admin"
    'HTTPRoute web spec.parentRefs[0] ListenerNotAllowed',
    'HTTPRoute web spec.rules[0].backendRefs[1] RefNotPermitted',
  ].sort());
  const line = formatProblem(problems.find((p) => p.reason === 'ListenerNotAllowed')!, 'web.yaml');
  assert.is(line, 'web.yaml: HTTPRoute shop/web spec.parentRefs[0]: attaches to gateway infra/edge listener "admin", which tenant "shop" may not use (may use: edge/shop) (ListenerNotAllowed) — fix: set sectionName to a listener the tenant may use');
});

test('hooks see the objects, the snapshot and the decisions; without hooks only schema and translator run', () => {
  let seen: OfflineView | undefined;
  const { problems } = validateOffline({ objects, controllerNames: [CONTROLLER], hooks: [(v) => { seen = v; return []; }] });
  assert.ok(seen);
  assert.is(seen!.decisions.parents.length, 1);
  assert.equal(seen!.decisions.parents[0].listeners.map((l) => [l.name, l.attached]), [['shop', true], ['admin', true]]);
  assert.ok(seen!.decisions.references.some((r) => r.to.name === 'pay' && !r.permitted));
  assert.equal(problems.filter((p) => p.severity === 'error').map((p) => p.reason), ['RefNotPermitted']);
});

test('objects belong to the tenant owning their namespace unless tenantOf says otherwise', () => {
  const other = { ...shop, name: 'other', namespaces: ['elsewhere'] };
  const byNamespace = validateOffline({ objects, controllerNames: [CONTROLLER], hooks: [tenancyRules({ tenants: [other] })] });
  assert.not.ok(byNamespace.problems.some((p) => p.reason === 'OutsideTenantNamespaces'));
  const asOther = validateOffline({ objects, controllerNames: [CONTROLLER], hooks: [tenancyRules({ tenants: [other], tenantOf: (o) => (o.metadata.namespace === 'shop' ? 'other' : undefined) })] });
  assert.ok(asOther.problems.some((p) => p.reason === 'OutsideTenantNamespaces' && p.ref.name === 'web'));
});

test.run();
