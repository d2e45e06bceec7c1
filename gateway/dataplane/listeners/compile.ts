// Compiles the HTTP side of one PortIR: listener selection table, per-listener host buckets,
// each with its fast matcher and one prebuilt handler chain per rule. Done once per apply; a
// request then does two host lookups, one match and calls a closure.
import type tls from 'node:tls';
import type { GatewayIR, HttpHostIR, HttpRuleIR, ListenerIR, PortIR } from '../../ir/index.ts';
import type { ListenerFault } from '../api.ts';
import { HostIndexMatcher, type HostTable, type RuleMatcher } from '../match/index.ts';
import { hostBuckets, httpListeners, listenerTable, portKind } from './http-port.ts';
import { compileRuleChain, type ChainContext, type ChainDeps } from '../http/chain.ts';
import type { Handler } from '../http/exchange.ts';
import { SecureContextCache } from '../tls/contexts.ts';
import { selectCertificate } from '../tls/sni.ts';
import { DEFAULT_CLIENT_LIMITS, resolveClientLimits, type ResolvedClientLimits } from '../limits.ts';
import { trafficOf } from '../traffic/of.ts';

export interface CompiledBucket {
  rules: HttpRuleIR[];
  matcher: RuleMatcher;
  handlers: Handler[];
  /** "Kind/namespace/name" per rule, for the access record (built once, not per request). */
  routeNames: string[];
  /** Per rule: the request body limit in bytes (listener limits overlaid with the rule's), 0 = none. */
  maxBody: number[];
}

export interface CompiledListener {
  ir: ListenerIR;
  hosts: HostTable<CompiledBucket>;
  /** The gateway's client limits with this listener's overrides. */
  limits: ResolvedClientLimits;
  /** HTTPS: SNI → context among this listener's certificates. */
  context(serverName: string | undefined): tls.SecureContext | undefined;
}

export interface CompiledPort {
  gateway: string;
  port: number;
  scheme: 'http' | 'https';
  listeners: CompiledListener[];
  /** Host (or SNI) → the most specific listener that owns it (listener isolation). */
  byHost: HostTable<CompiledListener>;
  /** Context for a handshake without SNI or with a name no listener owns. */
  fallback: CompiledListener | undefined;
  /** Whether any listener asks for client certificates. */
  requestCert: boolean;
  /** The gateway-wide client limits: connection-level ones apply before a listener is known. */
  limits: ResolvedClientLimits;
}

export { portKind, type PortKind } from './http-port.ts';

/** A listener that could not be compiled: it is left out, its neighbours on the port serve on. */
export function listenerFault(gw: GatewayIR, port: number, l: ListenerIR, err: unknown): ListenerFault {
  return { gateway: gw.key, listener: l.id, source: l.source, port, message: (err as Error)?.message ?? String(err) };
}

/**
 * Compiled host buckets by their IR object, from one apply to the next: an incremental
 * translator hands over the same HttpHostIR object for a host whose rules did not change, and
 * its matcher and handler chains (with the filter resources they hold) are reused as they are.
 */
export class BucketCache {
  private prev = new Map<HttpHostIR, CachedBucket[]>();
  private next = new Map<HttpHostIR, CachedBucket[]>();

  get(h: HttpHostIR, variant: string, make: (closers: (() => void)[]) => CompiledBucket): CachedBucket {
    const hit = this.next.get(h)?.find((c) => c.variant === variant) ?? this.prev.get(h)?.find((c) => c.variant === variant);
    const closers: (() => void)[] = [];
    // One closer per bucket, run when the bucket retires: it covers what a chain compiled after
    // the apply (compileHandlers) registers too.
    const entry = hit ?? { variant, closers, bucket: undefined as unknown as CompiledBucket, close: () => runEach(closers) };
    if (!hit) entry.bucket = make(entry.closers);
    const list = this.next.get(h);
    if (!list) this.next.set(h, [entry]);
    else if (!list.includes(entry)) list.push(entry);
    return entry;
  }

  /** After an apply: what it did not use is forgotten (its filter resources retire with the old table). */
  commit(): void {
    this.prev = this.next;
    this.next = new Map();
  }
}

interface CachedBucket { variant: string; closers: (() => void)[]; bucket: CompiledBucket; close: () => void }

/**
 * Whether a rule's chain can wait for its first request: it holds no resources (no mirror or
 * external-auth client, no SecurityPolicy with its JWKS and caches) and starts nothing (active
 * health checks, rate-limit counters), so compiling it later changes nothing but when the work
 * is done. Every TrafficPolicy'd rule is compiled at once, to keep that promise simple.
 */
function deferrable(rule: HttpRuleIR): boolean {
  if (rule.direct !== undefined || rule.policies?.security !== undefined || trafficOf(rule) !== undefined) return false;
  const holds = (fs: readonly { type: string }[]) => fs.some((f) => f.type === 'RequestMirror' || f.type === 'ExternalAuth');
  return !holds(rule.filters) && !rule.backends.some((b) => holds(b.filters));
}

/**
 * One handler per rule. Plain rules (deferrable) get a stand-in that compiles the chain on the
 * rule's first request and puts it in its place: a table of 10,000 routes rarely sees traffic on
 * all of them, and a compiled chain (weighted picker, endpoint pickers, retry and timeout
 * settings, resilience guards and their closures) is about 3 KB a rule: 10,000 of them were a
 * third of a worker's heap. Matching, the body limit and the access record do not wait.
 */
function compileHandlers(rules: readonly HttpRuleIR[], ctx: ChainContext, deps: ChainDeps): Handler[] {
  const handlers: Handler[] = new Array(rules.length);
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (!deferrable(rule)) {
      handlers[i] = compileRuleChain(rule, ctx, deps);
      continue;
    }
    handlers[i] = (ex) => {
      let h: Handler;
      try {
        h = compileRuleChain(rule, ctx, deps);
      } catch (err) {
        // Answered as any failing handler is (500, logged with the rule); the next request too.
        h = () => Promise.reject(err);
      }
      handlers[i] = h;
      return h(ex);
    };
  }
  return handlers;
}

function runEach(list: (() => void)[]): void {
  for (const c of list) {
    try {
      c();
    } catch {
      // a filter failing to close must not stop the others
    }
  }
}

export function compilePort(
  gw: GatewayIR, p: PortIR, deps: ChainDeps, contexts: SecureContextCache, closers: (() => void)[], faults: ListenerFault[] = [],
  limits: ResolvedClientLimits = DEFAULT_CLIENT_LIMITS, buckets?: BucketCache,
): CompiledPort | undefined {
  const kind = portKind(p);
  if (kind === undefined) return undefined;
  const listeners: CompiledListener[] = [];
  for (const l of httpListeners(p)) {
    try {
      listeners.push(compileListener(l, p.port, deps, contexts, closers, limits, buckets));
    } catch (err) {
      faults.push(listenerFault(gw, p.port, l, err));
    }
  }
  const byHost = listenerTable(listeners, (l) => l.ir);
  // No SNI: the catch-all listener if there is one, else the first (most specific) listener.
  const fallback = listeners.find((l) => l.ir.hostname === undefined || l.ir.hostname === '*') ?? listeners[0];
  return {
    gateway: gw.key,
    port: p.port,
    scheme: kind,
    listeners,
    byHost,
    fallback,
    requestCert: listeners.some((l) => l.ir.tls?.clientValidation !== undefined),
    limits,
  };
}

function compileListener(
  l: ListenerIR, port: number, deps: ChainDeps, contexts: SecureContextCache, closers: (() => void)[], limits: ResolvedClientLimits,
  buckets?: BucketCache,
): CompiledListener {
  const own = resolveClientLimits(limits, l.limits);
  const make = (h: HttpHostIR, closersOfBucket: (() => void)[]): CompiledBucket => {
    const ctx = { listenerPort: port, closers: closersOfBucket };
    return {
      rules: h.rules,
      matcher: new HostIndexMatcher(h.rules),
      handlers: compileHandlers(h.rules, ctx, deps),
      routeNames: h.rules.map((r) => `${r.route.kind}/${r.route.namespace}/${r.route.name}`),
      // One ClientLimitsIR at every level: flags, then the listener's, then the rule's (TrafficPolicy).
      maxBody: h.rules.map((r) => {
        const body = trafficOf(r)?.requestBody;
        return (body === undefined ? own : resolveClientLimits(own, body)).maxRequestBodyBytes;
      }),
    };
  };
  // A compiled bucket depends on the host's IR, the port (redirects) and the listener's body limit.
  const variant = `${port}|${own.maxRequestBodyBytes}`;
  const hosts = hostBuckets<CompiledBucket>(l, (h) => {
    if (!buckets) return make(h, closers);
    const entry = buckets.get(h, variant, (mine) => make(h, mine));
    closers.push(entry.close);
    return entry.bucket;
  });
  const certs = l.tls?.certificates ?? [];
  const ctxByCert = new Map(certs.map((c) => [c, contexts.get(c, l)]));
  return {
    ir: l,
    hosts,
    limits: own,
    context(serverName) {
      const c = selectCertificate(certs, serverName);
      return c === undefined ? undefined : ctxByCert.get(c);
    },
  };
}
