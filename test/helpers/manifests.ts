// Manifest text the CLI, e2e and provider tests start from: the Portico GatewayClass and a Gateway
// with one plain HTTP listener on port 80, or one HTTPS listener on 443.

export const GATEWAY_CLASS = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: portico.dev/gateway-controller }
`;

const gatewayOfPortico = (name: string, namespace: string, listeners: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  gatewayClassName: portico
  listeners:${listeners}`;

/** A Gateway of class portico with one listener "http" on port 80. */
export function httpGateway(name: string, namespace: string): string {
  return gatewayOfPortico(name, namespace, ` [{ name: http, port: 80, protocol: HTTP }]
`);
}

/** A Gateway of class portico with one listener "https" on port 443 for secure.example.com, terminating with Secret site-cert. */
export function httpsGateway(name: string, namespace: string): string {
  return gatewayOfPortico(name, namespace, `
    - name: https
      port: 443
      protocol: HTTPS
      hostname: secure.example.com
      tls: { mode: Terminate, certificateRefs: [{ name: site-cert }] }
`);
}

/**
 * Service "echo" (port 8080, named http) in `namespace` and its EndpointSlice pointing at a test
 * backend on 127.0.0.1:`port`; with `pod`, the endpoint names that Pod as its targetRef.
 */
export function echoBackend(namespace: string, port: number, pod?: string): string {
  return `apiVersion: v1
kind: Service
metadata: { name: echo, namespace: ${namespace} }
spec:
  ports: [{ name: http, port: 8080, protocol: TCP }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: echo-1
  namespace: ${namespace}
  labels: { kubernetes.io/service-name: echo }
addressType: IPv4
endpoints:
  - addresses: [127.0.0.1]
    conditions: { ready: true }
${pod ? `    targetRef: { kind: Pod, name: ${pod}, namespace: ${namespace} }\n` : ''}ports: [{ name: http, port: ${port}, protocol: TCP }]
`;
}
