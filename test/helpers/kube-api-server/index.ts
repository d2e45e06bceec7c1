// A real HTTPS server speaking enough of the Kubernetes REST protocol for client-node and the
// provider, plus a kubeconfig that points at it: the certificate (openssl, IP SAN 127.0.0.1)
// is the kubeconfig's certificate-authority-data, so TLS is verified for real.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Store } from './store.ts';
import { createApiServer } from './server.ts';
import { API_RESOURCES, resourceForObject } from './resources.ts';

export { Store } from './store.ts';
export type { RequestInfo } from './server.ts';

export interface KubeApiServer extends Omit<ReturnType<typeof createApiServer>, 'server'> {
  /** Plurals answered with 404 (a CRD not installed); add or remove to install/uninstall. */
  notServed: Set<string>;
  url: string;
  store: Store;
  kubeconfigPath: string;
  dir: string;
  /** Reads an object as the API server holds it now. */
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Record<string, any> | undefined;
  close(): Promise<void>;
}

export async function startKubeApiServer(opts: { bookmarkMs?: number; notServed?: string[] } = {}): Promise<KubeApiServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kube-api-'));
  const keyPath = join(dir, 'server.key'), crtPath = join(dir, 'server.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=kube-api-test',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyPath, '-out', crtPath], { stdio: 'ignore' });
  const cert = readFileSync(crtPath, 'utf8'), key = readFileSync(keyPath, 'utf8');
  const token = `test-${Math.random().toString(36).slice(2)}`;
  const store = new Store();
  const notServed = new Set(opts.notServed ?? []);
  const api = createApiServer(store, { cert, key, token, bookmarkMs: opts.bookmarkMs, notServed });
  await new Promise<void>((r) => api.server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'test',
    clusters: [{ name: 'test', cluster: { server: url, 'certificate-authority-data': Buffer.from(cert).toString('base64') } }],
    users: [{ name: 'test', user: { token } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'test' } }],
  }, null, 2));
  const { server, ...rest } = api;
  return {
    ...rest, url, store, kubeconfigPath, dir, notServed,
    get(apiVersion, kind, namespace, name) {
      const res = resourceForObject({ apiVersion, kind }) ?? API_RESOURCES.find((r) => r.kind === kind);
      return res ? store.get(res, namespace, name) : undefined;
    },
    async close() {
      api.dropWatches();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
