// GRPCRoute → HttpRuleIR. A gRPC method is the HTTP/2 path "/<service>/<method>", so method
// matches become path matches and the data plane needs no gRPC-specific matcher.
import type { HttpMatchIR, HttpRuleIR, PathMatchIR } from '../ir/index.ts';
import type { GRPCRoute, GRPCRouteMatch } from '../model/index.ts';
import type { Context } from './context.ts';
import type { RouteSource } from './backends.ts';
import type { TlsPolicies } from './backend-tls-policies.ts';
import type { RouteTranslation } from './rule-parts.ts';
import { noteInvalidRule, ruleBackends, ruleFilters, settleInvalidRules } from './rule-parts.ts';
import { firstByName, sessionPersistence } from './http-routes.ts';
import { checkSessionPersistence } from './safe-values.ts';
import { checkMatchRegexes } from './regex-values.ts';

// RE2 syntax; service and method names are restricted by the CRD to [A-Za-z0-9_.] for Exact
// matches, so escaping dots is all that literal parts need.
const escape = (s: string) => s.replace(/[.+*?^$()[\]{}|\\]/g, '\\$&');

export function grpcPath(m: GRPCRouteMatch): PathMatchIR {
  const mm = m.method;
  if (!mm || (!mm.service && !mm.method)) return { type: 'PathPrefix', value: '/' };
  if ((mm.type ?? 'Exact') === 'Exact') {
    if (mm.service && mm.method) return { type: 'Exact', value: `/${mm.service}/${mm.method}` };
    if (mm.service) return { type: 'PathPrefix', value: `/${mm.service}` };
    return { type: 'RegularExpression', value: `/[^/]+/${escape(mm.method!)}` };
  }
  return { type: 'RegularExpression', value: `/${mm.service ?? '[^/]+'}/${mm.method ?? '[^/]+'}` };
}

function grpcMatch(m: GRPCRouteMatch): HttpMatchIR {
  const grpcMethod: NonNullable<HttpMatchIR['grpcMethod']> = {};
  if (m.method?.service) grpcMethod.service = m.method.service;
  if (m.method?.method) grpcMethod.method = m.method.method;
  return {
    path: grpcPath(m),
    grpcMethod,
    headers: firstByName(m.headers, (n) => n.toLowerCase()).map((h) => ({
      name: h.name.toLowerCase(), ...(h.type === 'RegularExpression' ? { type: 'RegularExpression' as const, value: h.value } : { type: 'Exact' as const, value: h.value }),
    })),
    queryParams: [],
  };
}

export function translateGRPCRoute(ctx: Context, tls: TlsPolicies, route: GRPCRoute): RouteTranslation {
  const src: RouteSource = { kind: 'GRPCRoute', namespace: route.metadata.namespace ?? 'default', name: route.metadata.name };
  const out: RouteTranslation = { rules: [], problems: [], services: new Set() };
  (route.spec?.rules ?? []).forEach((rule, ri) => {
    const field = `spec.rules[${ri}]`;
    const { filters, direct: filterDirect } = ruleFilters(ctx, tls, src, rule.filters, `${field}.filters`, out, ri);
    let direct = filterDirect;
    const backends = ruleBackends(ctx, tls, src, rule.backendRefs, `${field}.backendRefs`, 'grpc', out, ri);
    if (!direct && backends.length === 0) direct = { status: 500, reason: 'NoBackends' };
    const spProblem = checkSessionPersistence(rule.sessionPersistence, `${field}.sessionPersistence`);
    if (spProblem) direct ??= noteInvalidRule(out, ri, spProblem);
    const sp = spProblem ? undefined : sessionPersistence(rule.sessionPersistence, src, ri);
    const matches = rule.matches && rule.matches.length > 0 ? rule.matches : [{}];
    const irMatches = matches.map(grpcMatch);
    // A pattern that does not compile matches nothing: its match is left out and the rule is invalid.
    const broken = irMatches.map((m, mi) => checkMatchRegexes(m, `${field}.matches[${mi}]`, `${field}.matches[${mi}].method`));
    for (const p of broken) if (p) direct = noteInvalidRule(out, ri, p);
    irMatches.forEach((match, mi) => {
      if (broken[mi]) return;
      const ir: HttpRuleIR = {
        id: `GRPCRoute/${src.namespace}/${src.name}/${ri}/${mi}`,
        route: { kind: 'GRPCRoute', namespace: src.namespace, name: src.name, ruleIndex: ri, matchIndex: mi, ...(rule.name ? { ruleName: rule.name } : {}) },
        match, filters, backends, timeouts: {}, grpc: true,
      };
      if (sp) ir.sessionPersistence = sp;
      if (direct) ir.direct = direct;
      out.rules.push(ir);
    });
  });
  settleInvalidRules(out, route.spec?.rules?.length ?? 0);
  return out;
}
