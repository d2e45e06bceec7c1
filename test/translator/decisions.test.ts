// translate() returns its decisions as plain data: per route parentRef, each selected listener's
// verdict; per reference, whether it is permitted (and by which ReferenceGrant) and resolved.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromObjects, parseManifests } from '../../gateway/model/index.ts';
import { translate } from '../../gateway/translator/index.ts';
import { GATEWAY_CLASS } from '../helpers/manifests.ts';

const CONTROLLER = 'portico.dev/gateway-controller';
const NOW = '2026-01-01T00:00:00Z';

const manifests = `${GATEWAY_CLASS}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: edge, namespace: infra }
spec:
  gatewayClassName: portico
  listeners:
    - { name: shop, port: 80, protocol: HTTP, hostname: "*.shop.example.com", allowedRoutes: { namespaces: { from: All } } }
    - { name: admin, port: 80, protocol: HTTP, hostname: admin.example.com, allowedRoutes: { namespaces: { from: All } } }
    - { name: local, port: 8080, protocol: HTTP }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: shop }
spec:
  parentRefs: [{ name: edge, namespace: infra }, { name: edge, namespace: infra, sectionName: nope }, { name: elsewhere }]
  hostnames: [www.shop.example.com]
  rules:
    - backendRefs: [{ name: api, namespace: payments, port: 80 }, { name: auth, namespace: security, port: 9000 }, { name: web, port: 80 }]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: { name: shop-to-api, namespace: payments }
spec:
  from: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop }]
  to: [{ group: "", kind: Service, name: api }]
---
apiVersion: v1
kind: Service
metadata: { name: api, namespace: payments }
spec: { ports: [{ port: 80 }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: orphan, namespace: shop }
spec:
  parentRefs: [{ name: not-ours }]
  rules: [{ backendRefs: [{ name: x, namespace: other, port: 80 }] }]
`;

function decide() {
  const { snapshot } = fromObjects(parseManifests(manifests).objects);
  return translate(snapshot, { controllerName: CONTROLLER, now: NOW }).decisions;
}

test('per parentRef: each selected listener says whether it took the route, and why not', () => {
  const { parents } = decide();
  // Given a parentRef to the whole Gateway, one to a missing section, one to a Gateway that does not exist
  // Then only the two parentRefs naming our Gateway get a decision
  assert.equal(parents.map((p) => [p.route.name, p.field, p.accepted, p.reason]), [
    ['web', 'spec.parentRefs[0]', true, 'Accepted'],
    ['web', 'spec.parentRefs[1]', false, 'NoMatchingParent'],
  ]);
  assert.equal(parents[0].gateway, 'infra/edge');
  assert.equal(parents[0].listeners.map((l) => [l.owner.kind, l.owner.name, l.name, l.attached, l.reason, l.hostnames]), [
    ['Gateway', 'edge', 'shop', true, 'Accepted', ['www.shop.example.com']],
    ['Gateway', 'edge', 'admin', false, 'NoMatchingListenerHostname', []],
    ['Gateway', 'edge', 'local', false, 'NotAllowedByListeners', []],
  ]);
  assert.equal(parents[1].listeners, []);
});

test('per reference: permitted through which ReferenceGrant, and resolved or the reason', () => {
  const { references } = decide();
  // The orphan route names no parent of ours: its references are not judged here.
  assert.equal(references.map((r) => [r.from.name, r.field, `${r.to.kind} ${r.to.namespace}/${r.to.name}`, r.permitted, r.grant, r.resolved, r.reason]), [
    ['web', 'spec.rules[0].backendRefs[0]', 'Service payments/api', true, { namespace: 'payments', name: 'shop-to-api' }, true, 'ResolvedRefs'],
    ['web', 'spec.rules[0].backendRefs[1]', 'Service security/auth', false, undefined, false, 'RefNotPermitted'],
    ['web', 'spec.rules[0].backendRefs[2]', 'Service shop/web', true, undefined, false, 'BackendNotFound'],
  ]);
});

test('certificateRefs and CA refs of listeners are decisions too, with the grant that permits them', () => {
  const { snapshot } = fromObjects(parseManifests(`${GATEWAY_CLASS}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: tls, namespace: infra }
spec:
  gatewayClassName: portico
  tls: { frontend: { default: { validation: { caCertificateRefs: [{ kind: ConfigMap, name: client-ca }] } } } }
  listeners:
    - { name: a, port: 443, protocol: HTTPS, hostname: a.example.com, tls: { certificateRefs: [{ name: cert, namespace: certs }] } }
    - { name: b, port: 443, protocol: HTTPS, hostname: b.example.com, tls: { certificateRefs: [{ name: cert, namespace: vault }] } }
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: { name: infra-gateways, namespace: certs }
spec:
  from: [{ group: gateway.networking.k8s.io, kind: Gateway, namespace: infra }]
  to: [{ group: "", kind: Secret }]
`).objects);
  const { references } = translate(snapshot, { controllerName: CONTROLLER, now: NOW }).decisions;
  assert.equal(references.map((r) => [r.from.kind, r.field, `${r.to.kind} ${r.to.namespace}/${r.to.name}`, r.permitted, r.grant?.name, r.reason]), [
    ['Gateway', 'spec.listeners[0].tls.certificateRefs[0]', 'Secret certs/cert', true, 'infra-gateways', 'InvalidCertificateRef'],
    ['Gateway', 'spec.tls.frontend.default.validation.caCertificateRefs[0]', 'ConfigMap infra/client-ca', true, undefined, 'InvalidCACertificateRef'],
    // the Gateway-wide CA ref is judged for each HTTPS listener, and recorded once
    ['Gateway', 'spec.listeners[1].tls.certificateRefs[0]', 'Secret vault/cert', false, undefined, 'RefNotPermitted'],
  ]);
});

test('decisions are deterministic plain data (JSON round-trips, same input gives the same output)', () => {
  const a = decide();
  assert.equal(JSON.parse(JSON.stringify(a)), a);
  assert.equal(decide(), a);
});

test.run();
