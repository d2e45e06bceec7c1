// Fetches a document a policy names (a JWKS, OIDC discovery, a token endpoint): through the
// endpoints of an in-cluster Service (plain HTTP to the picked endpoint, the Service's cluster name
// as Host), or an https URL on a host the platform allow-listed (checked by the translator).
import { request } from 'node:http';
import type { BackendIR, EndpointIR, RemoteDocumentIR } from '../../../ir/index.ts';

export interface RemoteDeps { pickEndpoint(b: BackendIR): EndpointIR | undefined }

const TIMEOUT_MS = 5000;
const MAX_BYTES = 1 << 20;

/** A fetch-compatible function for one remote document (what jose's customFetch expects too). */
export function remoteFetch(doc: RemoteDocumentIR, deps: RemoteDeps): (url: string, init?: RequestInit) => Promise<Response> {
  if (!doc.backend) return (url, init) => fetch(url, { ...init, redirect: 'error', signal: init?.signal ?? AbortSignal.timeout(TIMEOUT_MS) });
  const backend = doc.backend;
  return (url, init) => new Promise<Response>((resolve, reject) => {
    const ep = backend.invalid ? undefined : deps.pickEndpoint(backend);
    if (!ep) return reject(new Error(`no endpoint for ${backend.namespace}/${backend.name}`));
    const u = new URL(url);
    const headers: Record<string, string> = { host: u.host, accept: 'application/json' };
    new Headers(init?.headers).forEach((v, k) => { headers[k] = v; });
    const body = typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : undefined;
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req = request({ host: ep.address, port: ep.port, method: init?.method ?? 'GET', path: u.pathname + u.search, headers, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => { size += c.length; if (size > MAX_BYTES) req.destroy(new Error('document too large')); else chunks.push(c); });
      res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 502, headers: { 'content-type': String(res.headers['content-type'] ?? 'application/json') } })));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    init?.signal?.addEventListener('abort', () => req.destroy(new Error('aborted')));
    req.end(body);
  });
}
