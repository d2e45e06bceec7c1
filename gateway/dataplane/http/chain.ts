// Compiles one rule into its handler chain, once per table: the rule's filters (in the fixed
// order below) → the upstream's terminal handler, which runs the picked backend's own filters
// through applyBackendFilters. Nothing here runs per request except the composed closures.
import type { BackendIR, EndpointIR, FilterIR, HttpBackendIR, HttpRuleIR, PathMatchIR } from '../../ir/index.ts';
import type { Exchange, Handler } from './exchange.ts';
import { sendGatewayResponse } from './respond.ts';
import { GW_ERR } from './errors.ts';
import { requestHeaderModifierFilter } from './filters/request-header-modifier.ts';
import { responseHeaderModifierFilter } from './filters/response-header-modifier.ts';
import { requestRedirectFilter } from './filters/request-redirect.ts';
import { urlRewriteFilter } from './filters/url-rewrite.ts';
import type { RateLimitIR } from '../../ir/index.ts';
import { sendFixedResponse, compileOverrides } from '../traffic/fixed-response.ts';
import { compileCompression } from '../traffic/compression.ts';
import type { CompiledSecurity } from './security/policy.ts';
import { compileSecurity } from './security/policy.ts';
import { trafficOf } from '../traffic/of.ts';

export type Filter = (next: Handler) => Handler;

export interface ChainDeps {
  upstreams: {
    compileRule(rule: HttpRuleIR, hooks: { applyBackendFilters(ex: Exchange, backend: HttpBackendIR): Promise<boolean> | boolean }): Handler;
  };
  pickEndpoint(b: BackendIR): EndpointIR | undefined;
  cors(ir: Extract<FilterIR, { type: 'CORS' }>['cors']): Filter;
  externalAuth(ir: Extract<FilterIR, { type: 'ExternalAuth' }>['auth'], deps: { pickEndpoint(b: BackendIR): EndpointIR | undefined }): { filter: Filter; close(): void };
  mirror(ir: Extract<FilterIR, { type: 'RequestMirror' }>['mirror'], deps: { pickEndpoint(b: BackendIR): EndpointIR | undefined }): { filter: Filter; close(): void };
  /** TrafficPolicy rate limits (local buckets, Redis counters); absent in tests that need none. */
  rateLimit?(ir: RateLimitIR): Filter;
}

export interface ChainContext {
  listenerPort: number;
  /** Filters holding resources (gRPC clients, sockets) register here; closed when the table retires. */
  closers: (() => void)[];
}

// The order filters run in, whatever order the route lists them: header edits first so later
// steps see them; redirect answers before anything is forwarded; auth last, after CORS can
// answer a preflight without credentials.
const order: Record<FilterIR['type'], number> = {
  RequestHeaderModifier: 0,
  ResponseHeaderModifier: 1,
  RequestRedirect: 2,
  URLRewrite: 3,
  RequestMirror: 4,
  CORS: 5,
  ExternalAuth: 6,
};

/** Filters in the order the chain runs them (`portico explain` lists them the same way). */
export function inRunOrder(filters: readonly FilterIR[]): FilterIR[] {
  return filters
    .map((f, i) => ({ f, i }))
    .sort((a, b) => order[a.f.type] - order[b.f.type] || a.i - b.i)
    .map((x) => x.f);
}

function makeFilter(f: FilterIR, match: PathMatchIR, ctx: ChainContext, deps: ChainDeps): Filter {
  switch (f.type) {
    case 'RequestHeaderModifier': return requestHeaderModifierFilter(f.modifier);
    case 'ResponseHeaderModifier': return responseHeaderModifierFilter(f.modifier);
    case 'RequestRedirect': return requestRedirectFilter(f.redirect, match, { listenerPort: ctx.listenerPort });
    case 'URLRewrite': return urlRewriteFilter(f.rewrite, match);
    case 'CORS': return deps.cors(f.cors);
    case 'RequestMirror': {
      const m = deps.mirror(f.mirror, { pickEndpoint: deps.pickEndpoint });
      ctx.closers.push(() => m.close());
      return m.filter;
    }
    case 'ExternalAuth': {
      const a = deps.externalAuth(f.auth, { pickEndpoint: deps.pickEndpoint });
      ctx.closers.push(() => a.close());
      return a.filter;
    }
  }
}

export function composeFilters(filters: readonly FilterIR[], match: PathMatchIR, ctx: ChainContext, deps: ChainDeps, terminal: Handler): Handler {
  let h = terminal;
  const list = inRunOrder(filters);
  for (let i = list.length - 1; i >= 0; i--) h = makeFilter(list[i]!, match, ctx, deps)(h);
  return h;
}

const REACHED = Symbol('backend-filters-passed');

/** Runs a backend's filters; resolves false when one of them answered the request itself. */
function compileBackendFilters(backend: HttpBackendIR, match: PathMatchIR, ctx: ChainContext, deps: ChainDeps): (ex: Exchange) => Promise<boolean> | boolean {
  if (backend.filters.length === 0) return () => true;
  const pass: Handler = (ex) => {
    (ex as unknown as Record<symbol, boolean>)[REACHED] = true;
  };
  const chain = composeFilters(backend.filters, match, ctx, deps, pass);
  return async (ex) => {
    const flags = ex as unknown as Record<symbol, boolean>;
    flags[REACHED] = false;
    await chain(ex);
    return Boolean(flags[REACHED as symbol]);
  };
}

export function compileRuleChain(rule: HttpRuleIR, ctx: ChainContext, deps: ChainDeps): Handler {
  const direct = rule.direct;
  if (direct !== undefined) {
    const { status, reason } = direct;
    return (ex) => sendGatewayResponse(ex, status, reason, GW_ERR.RULE_INVALID);
  }
  const traffic = trafficOf(rule);
  let terminal: Handler;
  const fixed = traffic?.directResponse;
  if (fixed !== undefined) {
    terminal = (ex) => sendFixedResponse(ex, fixed);
  } else {
    const perBackend = new Map<HttpBackendIR, (ex: Exchange) => Promise<boolean> | boolean>();
    for (const b of rule.backends) perBackend.set(b, compileBackendFilters(b, rule.match.path, ctx, deps));
    terminal = deps.upstreams.compileRule(rule, {
      applyBackendFilters(ex, backend) {
        const run = perBackend.get(backend);
        return run === undefined ? true : run(ex);
      },
    });
  }
  // Rate limits run after the route's filters (authentication included: a JWT claim or an
  // API key is known by then) and before anything is forwarded or answered from configuration.
  if (traffic?.rateLimit !== undefined && deps.rateLimit !== undefined) terminal = deps.rateLimit(traffic.rateLimit)(terminal);
  const filtered = composeFilters(rule.filters, rule.match.path, ctx, deps, terminal);
  // The rule's effective SecurityPolicy runs before everything else of the rule.
  const security = rule.policies?.security;
  const chain = security ? secured(rule, securityFor(security, ctx, deps).filter(filtered), filtered) : filtered;
  const compression = traffic?.compression === undefined ? undefined : compileCompression(traffic.compression);
  const override = traffic?.responseOverride === undefined || traffic.responseOverride.length === 0 ? undefined : compileOverrides(traffic.responseOverride);
  if (compression === undefined && override === undefined) return chain;
  return (ex) => {
    if (compression !== undefined) ex.compression = compression;
    if (override !== undefined) ex.override = override;
    return chain(ex);
  };
}

// Rules that share an effective SecurityPolicy share one IR object (the translator memoises it),
// so they share one compiled policy: one JWKS cache, one verified-credentials cache.
const compiledSecurity = new WeakMap<ChainContext, Map<object, CompiledSecurity>>();

function securityFor(ir: NonNullable<NonNullable<HttpRuleIR['policies']>['security']>, ctx: ChainContext, deps: ChainDeps): CompiledSecurity {
  let m = compiledSecurity.get(ctx);
  if (!m) { m = new Map(); compiledSecurity.set(ctx, m); }
  let c = m.get(ir);
  if (!c) {
    c = compileSecurity(ir, { pickEndpoint: deps.pickEndpoint, externalAuth: deps.externalAuth });
    m.set(ir, c);
    ctx.closers.push(c.close);
  }
  return c;
}

/**
 * A CORS preflight carries no credentials (browsers never send them), and the rule's CORS filter
 * answers every preflight itself without forwarding it: on such rules preflights skip the
 * security checks. Not when a mirror filter (which runs before CORS) would copy it somewhere.
 */
function secured(rule: HttpRuleIR, withSecurity: Handler, without: Handler): Handler {
  if (!rule.filters.some((f) => f.type === 'CORS') || rule.filters.some((f) => f.type === 'RequestMirror')) return withSecurity;
  return (ex) => (ex.method === 'OPTIONS' && ex.headers['access-control-request-method'] !== undefined && ex.headers.origin !== undefined
    ? without(ex) : withSecurity(ex));
}
