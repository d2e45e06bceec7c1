// Objects and a started provider for the Kubernetes provider tests, against the in-repo test
// API server. Every test gets a fresh server and closes everything it started.
import { startKubeApiServer, type KubeApiServer } from '../../helpers/kube-api-server/index.ts';
import { createKubernetesProvider, loadKubeConfig, type KubernetesProvider, type KubernetesProviderOptions } from '../../../gateway/provider/kubernetes/index.ts';
import type { ProviderUpdate } from '../../../gateway/pipeline.ts';

export const CONTROLLER = 'portico.dev/gateway-controller';
const GW = 'gateway.networking.k8s.io/v1';

export const gatewayClass = () => ({ apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: CONTROLLER } });
export const gateway = (port = 80) => ({
  apiVersion: GW, kind: 'Gateway', metadata: { name: 'edge', namespace: 'default' },
  spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', port, protocol: 'HTTP' }] },
});
export const httpRoute = (name = 'web', backend = 'echo', port = 8080) => ({
  apiVersion: GW, kind: 'HTTPRoute', metadata: { name, namespace: 'default' },
  spec: { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: backend, port }] }] },
});
export const service = (name = 'echo', port = 8080) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' },
  spec: { ports: [{ name: 'http', port, targetPort: port, protocol: 'TCP' }] },
});
export const endpointSlice = (service = 'echo', address = '127.0.0.1', port = 8080) => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
  metadata: { name: `${service}-abc`, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4', ports: [{ name: 'http', port, protocol: 'TCP' }],
  endpoints: [{ addresses: [address], conditions: { ready: true } }],
});
export const namespace = (name = 'default') => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

export interface Setup {
  api: KubeApiServer;
  provider: KubernetesProvider;
  updates: ProviderUpdate[];
  last(): ProviderUpdate;
}

export async function withProvider(fn: (s: Setup) => Promise<void>, opts: Partial<KubernetesProviderOptions> = {}, seed: Record<string, any>[] = []): Promise<void> {
  const api = await startKubeApiServer();
  for (const o of seed) api.store.apply(o);
  const provider = createKubernetesProvider({ kubeConfig: loadKubeConfig(api.kubeconfigPath), controllerName: CONTROLLER, coalesceMs: 20, backoffBaseMs: 50, ...opts });
  const updates: ProviderUpdate[] = [];
  try {
    await provider.start((u) => updates.push(u));
    await fn({ api, provider, updates, last: () => updates[updates.length - 1]! });
  } finally {
    await provider.close();
    await api.close();
  }
}
