// One undici Pool per (endpoint, protocol, TLS settings): keep-alive connections are reused
// across requests and rules, and survive table reloads as long as the endpoint stays.
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { BackendIR, EndpointIR } from '../../ir/index.ts';
import { upstreamTlsOptions } from './tls-options.ts';

export interface PoolLimits {
  /** TCP (+TLS) connect timeout. @default 5000 */
  connectTimeoutMs?: number;
  /** Wait for a response head when the rule sets no timeout. @default 60000 */
  headersTimeoutMs?: number;
  /** Max silence between body chunks when the rule sets no timeout. @default 60000 */
  bodyTimeoutMs?: number;
  /**
   * Idle keep-alive connections are closed after this (unless the server hints less). Short by
   * default: reusing a connection the backend has just closed fails the request. @default 4000
   */
  keepAliveTimeoutMs?: number;
}

/** Identity of a backend's transport settings; endpoints are appended per request. */
/** `maxConnections`: the rule's TrafficPolicy circuitBreaker.maxConnections (per endpoint). */
export function transportKey(backend: BackendIR, maxConnections?: number): string {
  const t = backend.tls;
  const max = maxConnections;
  // A connection cap is part of the pool's identity: another cap is another pool.
  const proto = (backend.protocol === 'h2c' ? 'h2c' : 'h1') + (max === undefined ? '' : `|max:${max}`);
  if (t === undefined) return proto;
  const client = t.clientCertificate ? `|client:${hash(t.clientCertificate.certPem + t.clientCertificate.keyPem)}` : '';
  return `${proto}|tls|${t.hostname}|${t.system ? 'sys' : ''}|${t.caPem.join('').length}:${hash(t.caPem.join(''))}|${t.subjectAltNames.map((s) => `${s.type}=${s.value}`).join(',')}${client}`;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * undici derives SNI from each request's Host header (and reconnects when it changes); for a
 * BackendTLSPolicy the SNI is validation.hostname, so every dispatch on the pool carries it.
 */
class TlsPool extends Pool {
  readonly #sni: string;
  constructor(origin: string, opts: Pool.Options, sni: string) {
    super(origin, opts);
    this.#sni = sni;
  }
  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return super.dispatch({ ...opts, servername: this.#sni } as Dispatcher.DispatchOptions, handler);
  }
}

export class PoolRegistry {
  readonly #pools = new Map<string, Pool>();
  readonly #limits: Required<PoolLimits>;

  constructor(limits: PoolLimits = {}) {
    this.#limits = {
      connectTimeoutMs: limits.connectTimeoutMs ?? 5000,
      headersTimeoutMs: limits.headersTimeoutMs ?? 60000,
      bodyTimeoutMs: limits.bodyTimeoutMs ?? 60000,
      keepAliveTimeoutMs: limits.keepAliveTimeoutMs ?? 4000,
    };
  }

  get size(): number {
    return this.#pools.size;
  }

  static key(transport: string, ep: EndpointIR): string {
    return `${ep.address}|${ep.port}|${transport}`;
  }

  /** The pool for this endpoint; `transport` is transportKey(backend, maxConnections), computed once per rule. */
  get(backend: BackendIR, transport: string, ep: EndpointIR, maxConnections?: number): Pool {
    const key = PoolRegistry.key(transport, ep);
    let pool = this.#pools.get(key);
    if (pool === undefined) {
      pool = this.#create(backend, ep, maxConnections);
      this.#pools.set(key, pool);
    }
    return pool;
  }

  #create(backend: BackendIR, ep: EndpointIR, maxConnections: number | undefined): Pool {
    const l = this.#limits;
    const tls = backend.tls;
    const host = ep.address.includes(':') ? `[${ep.address}]` : ep.address;
    const origin = `${tls ? 'https' : 'http'}://${host}:${ep.port}`;
    const connect: Record<string, unknown> = { timeout: l.connectTimeoutMs };
    if (tls !== undefined) Object.assign(connect, upstreamTlsOptions(tls));
    const h2c = backend.protocol === 'h2c';
    // Prior-knowledge HTTP/2 over cleartext (appProtocol kubernetes.io/h2c). Pool does not pass
    // useH2c on to its connector, so it goes in the connect options.
    if (h2c && tls === undefined) connect.useH2c = true;
    const options = {
      connect,
      headersTimeout: l.headersTimeoutMs,
      bodyTimeout: l.bodyTimeoutMs,
      keepAliveTimeout: l.keepAliveTimeoutMs,
      keepAliveMaxTimeout: Math.max(l.keepAliveTimeoutMs, 600_000),
      allowH2: h2c,
      // TrafficPolicy circuitBreaker.maxConnections: more requests wait in the pool for one.
      ...(maxConnections !== undefined ? { connections: maxConnections } : {}),
    } as Pool.Options;
    return tls === undefined ? new Pool(origin, options) : new TlsPool(origin, options, tls.hostname);
  }

  /** Closes the pools whose key is not in `keep`; in-flight requests on them finish first. */
  retain(keep: ReadonlySet<string>): void {
    for (const [key, pool] of this.#pools) {
      if (keep.has(key)) continue;
      this.#pools.delete(key);
      pool.close().catch(() => pool.destroy().catch(() => {}));
    }
  }

  has(key: string): boolean {
    return this.#pools.has(key);
  }

  async close(): Promise<void> {
    const all = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(all.map((p) => p.destroy().catch(() => {})));
  }
}
