// ExternalAuth over plain HTTP: the client's request line (path prefixed), Host, Authorization,
// the allowed headers and an exact Content-Length go to the auth service; a 200 allows (the
// CRD: "Any other code is considered an authorization failure"), anything else is the answer
// the client gets. One keep-alive undici pool per auth endpoint.
import type { EndpointIR, ExternalAuthIR } from '../../../ir/index.ts';
import type { Exchange } from '../exchange.ts';
import { PoolRegistry, transportKey } from '../../upstream/pools.ts';
import { AUTH_TIMEOUT_MS, isProtectedHeader, type AuthClient, type AuthDecision } from './external-auth.ts';
import type { TraceHeaders } from '../trace-headers.ts';

/** Denial bodies are relayed, but only this much of them. */
const MAX_DENIAL_BODY = 64 * 1024;

// Headers that describe the auth service's own response, never the client's request.
const NOT_COPIED_UPSTREAM = new Set(['content-type', 'content-encoding', 'date', 'server', 'vary', 'etag', 'last-modified', 'cache-control', 'expires', 'set-cookie', 'authority']);

/**
 * The CRD says the prefix "MUST" be sanitized: force one leading slash, drop dot segments,
 * empty segments and a trailing slash, so the prefix can only add path segments.
 */
export function sanitizePrefix(path: string | undefined): string {
  if (!path) return '';
  const segs = path.split('/').filter((s) => s !== '' && s !== '.' && s !== '..');
  return segs.length === 0 ? '' : `/${segs.join('/')}`;
}

function pairs(headers: Record<string, string | string[] | undefined>, keep: (name: string) => boolean): [string, string][] {
  const out: [string, string][] = [];
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined || !keep(name)) continue;
    if (Array.isArray(v)) for (const one of v) out.push([name, one]);
    else out.push([name, v]);
  }
  return out;
}

async function readText(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body) {
    if (size + c.length > MAX_DENIAL_BODY) {
      chunks.push(c.subarray(0, MAX_DENIAL_BODY - size));
      break;
    }
    chunks.push(c);
    size += c.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function createHttpAuthClient(ir: ExternalAuthIR): AuthClient {
  const prefix = sanitizePrefix(ir.path);
  // Authorization is always sent (the CRD's fixed list; Host, method, path and Content-Length
  // are sent as such). Names are lower-case like ex.headers.
  const forwarded = [...new Set(['authorization', ...ir.allowedHeaders.map((h) => h.toLowerCase())])].filter(
    (h) => !isProtectedHeader(h),
  );
  const allowedResponse = ir.allowedResponseHeaders.length > 0;
  const authBackend = ir.backend;
  const transport = transportKey(authBackend);
  const limits = { headersTimeoutMs: AUTH_TIMEOUT_MS, bodyTimeoutMs: AUTH_TIMEOUT_MS };
  // The upstream's pool registry gives BackendTLSPolicy verification (CA, SANs) for free.
  let pools: PoolRegistry | undefined = new PoolRegistry(limits);

  async function check(ex: Exchange, ep: EndpointIR, body: Buffer | undefined, trace?: TraceHeaders): Promise<AuthDecision> {
    // A chain compiled for an older table may still be finishing requests after close():
    // they get a one-off pool instead of a closed one.
    const registry = pools ?? new PoolRegistry(limits);
    const oneOff = pools === undefined;
    const pool = registry.get(authBackend, transport, ep);
    const headers: Record<string, string | string[]> = {
      host: ex.authority,
      'content-length': String(body?.length ?? 0),
    };
    for (const name of forwarded) {
      const v = ex.headers[name];
      if (v !== undefined) headers[name] = v;
    }
    if (trace !== undefined) Object.assign(headers, trace);
    try {
      const res = await pool.request({
        method: ex.method,
        path: prefix + ex.path + ex.query,
        headers,
        body: body !== undefined && body.length > 0 ? body : null,
        signal: ex.signal,
      });
      const rh = res.headers as Record<string, string | string[] | undefined>;
      if (res.statusCode === 200) {
        await res.body.dump();
        const copied = pairs(rh, (n) => allowedResponse || !NOT_COPIED_UPSTREAM.has(n));
        return {
          allow: true,
          // The first value replaces what the client sent; repeats of the same name append.
          headers: copied.map(([name, value], i) => ({
            name,
            value,
            action: copied.findIndex(([n]) => n === name) === i ? ('set' as const) : ('append' as const),
          })),
          remove: [],
          responseHeaders: [],
        };
      }
      const text = await readText(res.body);
      return { allow: false, status: res.statusCode, headers: pairs(rh, () => true), body: text };
    } finally {
      if (oneOff) registry.retain(new Set());
    }
  }

  return {
    check,
    close() {
      // Graceful: calls in flight finish on their connections.
      pools?.retain(new Set());
      pools = undefined;
    },
  };
}
