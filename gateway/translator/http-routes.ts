// HTTPRoute rules → HttpRuleIR templates (one per rule × match), with the route-wide
// ResolvedRefs verdict. Hostnames are applied later, per listener attachment.
import type { HttpMatchIR, HttpRuleIR, PathMatchIR, SessionPersistenceIR, StringMatchIR } from '../ir/index.ts';
import type { HTTPRoute, HTTPRouteMatch, HTTPRouteRule, SessionPersistence } from '../model/index.ts';
import type { Context } from './context.ts';
import type { RouteSource } from './backends.ts';
import type { TlsPolicies } from './backend-tls-policies.ts';
import { parseDuration } from './durations.ts';
import type { RouteTranslation } from './rule-parts.ts';
import { noteInvalidRule, ruleBackends, ruleFilters, settleInvalidRules } from './rule-parts.ts';
import { checkSessionPersistence } from './safe-values.ts';
import { checkMatchRegexes } from './regex-values.ts';

export type { RouteTranslation };

export function firstByName<T extends { name: string }>(xs: T[] | undefined, fold: (n: string) => string): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const x of xs ?? []) {
    const k = fold(x.name);
    if (!seen.has(k)) { seen.add(k); out.push(x); }
  }
  return out;
}

export function httpMatch(m: HTTPRouteMatch): HttpMatchIR {
  const p = m.path ?? {};
  const type = p.type ?? 'PathPrefix';
  const value = p.value ?? '/';
  const path: PathMatchIR = type === 'Exact' ? { type: 'Exact', value } : type === 'RegularExpression' ? { type: 'RegularExpression', value } : { type: 'PathPrefix', value };
  const str = (t: string | undefined, value: string): StringMatchIR => (t === 'RegularExpression' ? { type: 'RegularExpression', value } : { type: 'Exact', value });
  return {
    path,
    method: m.method?.toUpperCase(),
    // Header names are case-insensitive, query parameter names are not (spec).
    headers: firstByName(m.headers, (n) => n.toLowerCase()).map((h) => ({ name: h.name.toLowerCase(), ...str(h.type, h.value) })),
    queryParams: firstByName(m.queryParams, (n) => n).map((q) => ({ name: q.name, ...str(q.type, q.value) })),
  };
}

export function sessionPersistence(sp: SessionPersistence | undefined, route: RouteSource, ruleIndex: number): SessionPersistenceIR | undefined {
  if (!sp) return undefined;
  const type = sp.type === 'Header' ? 'Header' : 'Cookie';
  return {
    type,
    name: sp.sessionName ?? (type === 'Cookie' ? `portico-session-${route.name}-${ruleIndex}` : 'x-portico-session'),
    absoluteTimeoutMs: parseDuration(sp.absoluteTimeout),
    idleTimeoutMs: parseDuration(sp.idleTimeout),
    permanent: sp.cookieConfig?.lifetimeType === 'Permanent',
  };
}

export function translateHTTPRoute(ctx: Context, tls: TlsPolicies, route: HTTPRoute): RouteTranslation {
  const src: RouteSource = { kind: 'HTTPRoute', namespace: route.metadata.namespace ?? 'default', name: route.metadata.name };
  const out: RouteTranslation = { rules: [], problems: [], services: new Set() };
  const rules = route.spec?.rules ?? [];
  rules.forEach((rule, ri) => translateRule(ctx, tls, src, rule, ri, out));
  settleInvalidRules(out, rules.length);
  return out;
}

function translateRule(ctx: Context, tls: TlsPolicies, src: RouteSource, rule: HTTPRouteRule, ri: number, out: RouteTranslation): void {
  const field = `spec.rules[${ri}]`;
  const { filters, direct: filterDirect } = ruleFilters(ctx, tls, src, rule.filters, `${field}.filters`, out, ri);
  let direct = filterDirect;
  const backends = ruleBackends(ctx, tls, src, rule.backendRefs, `${field}.backendRefs`, 'http', out, ri);
  const answersItself = filters.some((f) => f.type === 'RequestRedirect');
  // "If no backendRefs or filters are specified that would result in a response being sent,
  // a HTTP 500 status code MUST be returned."
  if (!direct && !answersItself && backends.length === 0) direct = { status: 500, reason: 'NoBackends' };
  const matches = rule.matches && rule.matches.length > 0 ? rule.matches : [{}];
  const timeouts = {
    requestMs: nonZero(parseDuration(rule.timeouts?.request)),
    backendRequestMs: nonZero(parseDuration(rule.timeouts?.backendRequest)),
  };
  const retry = rule.retry ? {
    codes: rule.retry.codes ?? [],
    attempts: (rule.retry.attempts ?? 1) + 1,
    backoffMs: parseDuration(rule.retry.backoff) ?? 0,
  } : undefined;
  const spProblem = checkSessionPersistence(rule.sessionPersistence, `${field}.sessionPersistence`);
  if (spProblem) direct ??= noteInvalidRule(out, ri, spProblem);
  const sp = spProblem ? undefined : sessionPersistence(rule.sessionPersistence, src, ri);
  const irMatches = matches.map(httpMatch);
  // A pattern that does not compile matches nothing: its match is left out and the rule is invalid.
  const broken = irMatches.map((m, mi) => checkMatchRegexes(m, `${field}.matches[${mi}]`));
  for (const p of broken) if (p) direct = noteInvalidRule(out, ri, p);
  irMatches.forEach((match, mi) => {
    if (broken[mi]) return;
    const ir: HttpRuleIR = {
      id: `HTTPRoute/${src.namespace}/${src.name}/${ri}/${mi}`,
      route: { kind: 'HTTPRoute', namespace: src.namespace, name: src.name, ruleIndex: ri, matchIndex: mi, ...(rule.name ? { ruleName: rule.name } : {}) },
      match, filters, backends, timeouts, grpc: false,
    };
    if (retry) ir.retry = retry;
    if (sp) ir.sessionPersistence = sp;
    if (direct) ir.direct = direct;
    out.rules.push(ir);
  });
}

/** "0s" disables a timeout (spec): represent that as no timeout at all. */
function nonZero(ms: number | undefined): number | undefined {
  return ms === 0 ? undefined : ms;
}
