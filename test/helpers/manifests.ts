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
