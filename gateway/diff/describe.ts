// One short, stable string per IR part (match, filter, backend set, policy), in Gateway API
// words. The diff compares these strings, so two parts are "the same" exactly when a reviewer
// would read them as the same; every field that changes behaviour appears in its string.
import type { BackendIR, FilterIR, HttpBackendIR, HttpMatchIR, HttpRuleIR, L4RouteIR, PathModifierIR } from '../ir/index.ts';

export function describeMatch(m: HttpMatchIR): string {
  const parts: string[] = [];
  if (m.method) parts.push(m.method);
  const p = m.path;
  parts.push(p.type === 'Exact' ? `path = ${p.value}` : p.type === 'PathPrefix' ? `path ${p.value}*` : `path ~ ${p.value}`);
  for (const h of m.headers) parts.push(`header ${h.name}${h.type === 'Exact' ? ' = ' : ' ~ '}${h.value}`);
  for (const q of m.queryParams) parts.push(`query ${q.name}${q.type === 'Exact' ? ' = ' : ' ~ '}${q.value}`);
  return parts.join(', ');
}

function pathMod(p: PathModifierIR | undefined): string | undefined {
  if (!p) return undefined;
  return p.type === 'ReplaceFullPath' ? `path=${p.value}` : `prefix=${p.value}`;
}

function headerMods(m: { set: { name: string; value: string }[]; add: { name: string; value: string }[]; remove: string[] }): string {
  return [
    ...m.set.map((h) => `set ${h.name}: ${h.value}`),
    ...m.add.map((h) => `add ${h.name}: ${h.value}`),
    ...m.remove.map((h) => `remove ${h}`),
  ].join(', ');
}

export function describeFilter(f: FilterIR, routeNamespace: string): string {
  switch (f.type) {
    case 'RequestHeaderModifier':
    case 'ResponseHeaderModifier':
      return `${f.type} (${headerMods(f.modifier)})`;
    case 'RequestRedirect': {
      const r = f.redirect;
      const parts = [String(r.statusCode), r.scheme && `scheme=${r.scheme}`, r.hostname && `hostname=${r.hostname}`, r.port !== undefined && `port=${r.port}`, pathMod(r.path)];
      return `RequestRedirect (${parts.filter(Boolean).join(', ')})`;
    }
    case 'URLRewrite': {
      const parts = [f.rewrite.hostname && `hostname=${f.rewrite.hostname}`, pathMod(f.rewrite.path)];
      return `URLRewrite (${parts.filter(Boolean).join(', ')})`;
    }
    case 'RequestMirror':
      return `RequestMirror (${backendName(f.mirror.backend, routeNamespace)}, ${percent(f.mirror.fraction)})`;
    case 'CORS': {
      const c = f.cors;
      return `CORS (origins ${c.allowOrigins.join(' ') || '-'}; methods ${c.allowMethods.join(' ') || '-'}; headers ${c.allowHeaders.join(' ') || '-'}; expose ${c.exposeHeaders.join(' ') || '-'}; credentials ${c.allowCredentials}; maxAge ${c.maxAge})`;
    }
    case 'ExternalAuth': {
      const a = f.auth;
      const parts = [a.protocol, backendName(a.backend, routeNamespace), a.path && `path=${a.path}`, a.allowedHeaders.length > 0 && `headers=${a.allowedHeaders.join(' ')}`,
        a.allowedResponseHeaders.length > 0 && `responseHeaders=${a.allowedResponseHeaders.join(' ')}`, a.forwardBodyMaxSize > 0 && `body<=${a.forwardBodyMaxSize}`];
      return `ExternalAuth (${parts.filter(Boolean).join(', ')})`;
    }
  }
}

const percent = (fraction: number) => `${Math.round(fraction * 1000) / 10}%`;

/** "web-v1:8080" in the route's namespace, "catalog/search:8080" elsewhere. */
export function backendName(b: BackendIR, routeNamespace: string): string {
  const kind = b.kind === 'Service' ? '' : `${b.kind} `;
  const ns = b.namespace === routeNamespace ? '' : `${b.namespace}/`;
  return `${kind}${ns}${b.name}:${b.port}`;
}

/**
 * Where traffic goes: the backends with their share of the weight ("web-v1:8080 90%, web-v2:8080
 * 10%"), a lone backend without a share, and what an invalid one answers instead.
 */
export function describeBackends(backends: readonly BackendIR[], routeNamespace: string): string {
  const total = backends.reduce((s, b) => s + b.weight, 0);
  if (backends.length === 0) return 'no backends';
  return backends.map((b) => {
    const share = backends.length > 1 || b.weight === 0 ? ` ${total === 0 ? '0%' : percent(b.weight / total)}` : '';
    const invalid = b.invalid ? ` (answers ${b.invalid.status}: ${b.invalid.reason})` : '';
    const filters = (b as Partial<HttpBackendIR>).filters?.length ? ` [${(b as HttpBackendIR).filters.map((f) => describeFilter(f, routeNamespace)).join('; ')}]` : '';
    const tls = b.tls ? ` (TLS to ${b.tls.hostname})` : '';
    return `${backendName(b, routeNamespace)}${share}${invalid}${tls}${filters}`;
  }).join(', ');
}

export function describeTimeouts(r: HttpRuleIR): string {
  const t: string[] = [];
  if (r.timeouts.requestMs !== undefined) t.push(`request ${r.timeouts.requestMs}ms`);
  if (r.timeouts.backendRequestMs !== undefined) t.push(`backendRequest ${r.timeouts.backendRequestMs}ms`);
  return t.join(', ') || 'none';
}

/** Retry and session persistence: the rule-level policies. */
export function describePolicies(r: HttpRuleIR): string {
  const p: string[] = [];
  if (r.retry) p.push(`retry ${r.retry.attempts} attempts on ${r.retry.codes.join(' ')} (backoff ${r.retry.backoffMs}ms)`);
  const s = r.sessionPersistence;
  if (s) {
    const t = [s.absoluteTimeoutMs !== undefined && `absolute ${s.absoluteTimeoutMs}ms`, s.idleTimeoutMs !== undefined && `idle ${s.idleTimeoutMs}ms`, s.permanent && 'permanent'];
    p.push(`session ${s.type} ${s.name}${t.some(Boolean) ? ` (${t.filter(Boolean).join(', ')})` : ''}`);
  }
  if (r.direct) p.push(`answers ${r.direct.status}: ${r.direct.reason}`);
  return p.join('; ') || 'none';
}

/** What a request matched by this rule gets: a redirect, a direct answer, or its backends. */
export function describeDestination(r: HttpRuleIR): string {
  if (r.direct) return `${r.direct.status} (${r.direct.reason})`;
  const redirect = r.filters.find((f) => f.type === 'RequestRedirect');
  if (redirect) return `redirect ${describeFilter(redirect, r.route.namespace).slice('RequestRedirect '.length)}`;
  const live = r.backends.filter((b) => b.weight > 0);
  if (live.length === 0) return r.backends.length === 0 ? '500 (no backends)' : '500 (every backend has weight 0)';
  return describeBackends(live, r.route.namespace);
}

export function describeL4Destination(route: L4RouteIR | undefined): string {
  if (!route) return 'no route';
  const ns = route.route.split('/')[1] ?? '';
  const live = route.backends.filter((b) => b.weight > 0);
  return live.length === 0 ? 'no backend (connection closed)' : describeBackends(live, ns);
}
