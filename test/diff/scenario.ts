// The manifests the diff tests start from: Gateway infra/edge with two HTTP listeners (web :80,
// alt :81) and optionally HTTPS (secure :443), routes of team shop, and one Service with an
// EndpointSlice per backend (at 127.0.0.1:<port>, so `portico serve` can reach real backends).
import { GATEWAY_CLASS } from '../helpers/manifests.ts';

export const BACKENDS = ['web-v1', 'web-v2', 'cart'] as const;
export type Ports = Record<(typeof BACKENDS)[number], number>;

export interface ScenarioOptions {
  /** Route "web": listener and backends of its stable rule, and its response header value. */
  webSection?: string;
  stable?: { name: string; weight?: number }[];
  servedBy?: string;
  /** Route "shop-api": present, and its listener. */
  api?: boolean;
  apiSection?: string;
  apiHostname?: string;
  /** Route "cart" (added in head). */
  cart?: boolean;
  /** An HTTPS listener, its certificate reference, and route "web" attached to it too. */
  https?: { certNamespace?: string };
}

function service(name: string, port: number): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: shop }
spec: { ports: [{ name: http, port: 8080, protocol: TCP }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${name}-1, namespace: shop, labels: { kubernetes.io/service-name: ${name} } }
addressType: IPv4
endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
ports: [{ name: http, port: ${port}, protocol: TCP }]
`;
}

export function scenario(o: ScenarioOptions = {}, ports: Ports = { 'web-v1': 9001, 'web-v2': 9002, cart: 9003 }): string {
  const secure = o.https
    ? `
    - name: secure
      port: 443
      protocol: HTTPS
      hostname: "*.example.com"
      allowedRoutes: { namespaces: { from: All } }
      tls: { mode: Terminate, certificateRefs: [{ name: edge-cert${o.https.certNamespace ? `, namespace: ${o.https.certNamespace}` : ''} }] }`
    : '';
  const stable = (o.stable ?? [{ name: 'web-v1' }]).map((b) => `{ name: ${b.name}, port: 8080${b.weight !== undefined ? `, weight: ${b.weight}` : ''} }`).join(', ');
  const docs = [
    GATEWAY_CLASS,
    `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: edge, namespace: infra }
spec:
  gatewayClassName: portico
  listeners:
    - { name: web, port: 80, protocol: HTTP, hostname: "*.example.com", allowedRoutes: { namespaces: { from: All } } }
    - { name: alt, port: 81, protocol: HTTP, hostname: "*.example.com", allowedRoutes: { namespaces: { from: All } } }${secure}
`,
    `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: shop }
spec:
  parentRefs: [{ name: edge, namespace: infra, sectionName: ${o.webSection ?? 'web'} }${o.https ? ', { name: edge, namespace: infra, sectionName: secure }' : ''}]
  hostnames: [www.example.com]
  rules:
    - name: canary
      matches: [{ path: { type: PathPrefix, value: / }, headers: [{ name: x-canary, value: "true" }] }]
      backendRefs: [{ name: web-v2, port: 8080 }]
    - name: stable
      matches: [{ path: { type: PathPrefix, value: / } }]
      filters: [{ type: ResponseHeaderModifier, responseHeaderModifier: { set: [{ name: x-served-by, value: ${o.servedBy ?? 'portico'} }] } }]
      backendRefs: [${stable}]
`,
  ];
  if (o.api ?? true) {
    docs.push(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: shop-api, namespace: shop }
spec:
  parentRefs: [{ name: edge, namespace: infra, sectionName: ${o.apiSection ?? 'web'} }]
  hostnames: [${o.apiHostname ?? 'api.example.com'}]
  rules:
    - name: v1
      matches: [{ path: { type: PathPrefix, value: /v1 } }]
      backendRefs: [{ name: cart, port: 8080 }]
`);
  }
  if (o.cart) {
    docs.push(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: cart, namespace: shop }
spec:
  parentRefs: [{ name: edge, namespace: infra, sectionName: web }]
  hostnames: [www.example.com]
  rules:
    - name: cart
      matches: [{ path: { type: Exact, value: /cart } }]
      backendRefs: [{ name: cart, port: 8080 }]
`);
  }
  for (const b of BACKENDS) docs.push(service(b, ports[b]));
  return docs.join('---\n');
}

/** The golden pairs: name → [base, head]. */
export const CASES: Record<string, [ScenarioOptions, ScenarioOptions]> = {
  'route-added': [{}, { cart: true }],
  'route-removed': [{}, { api: false }],
  'route-reweighted': [{}, { stable: [{ name: 'web-v1', weight: 90 }, { name: 'web-v2', weight: 10 }] }],
  'hostname-moved': [{}, { webSection: 'alt' }],
  'filter-changed': [{}, { servedBy: 'portico-v2' }],
  'route-loses-acceptance': [{}, { apiHostname: 'api.example.org' }],
  'certificate-ref-broken': [{ https: {} }, { https: { certNamespace: 'certs' } }],
};
