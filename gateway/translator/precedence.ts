// Spec precedence among HTTP rules that share a hostname (HTTPRoute CRD, rules docs) as ONE
// tuple comparator: Exact path > longest PathPrefix > RegularExpression (implementation-
// specific: ranked last, longer patterns first), then a method match, then more header
// matches, then more query matches. Ties are NOT decided here: callers stable-sort input
// that is already in creation-time, namespace/name, rule and match order.
import type { HttpMatchIR, HttpRuleIR } from '../ir/index.ts';

const PATH_RANK = { Exact: 3, PathPrefix: 2, RegularExpression: 1 } as const;

export function compareMatches(a: HttpMatchIR, b: HttpMatchIR): number {
  return (
    PATH_RANK[b.path.type] - PATH_RANK[a.path.type] ||
    b.path.value.length - a.path.value.length ||
    Number(b.method !== undefined) - Number(a.method !== undefined) ||
    b.headers.length - a.headers.length ||
    b.queryParams.length - a.queryParams.length
  );
}

/**
 * GRPCRoute precedence (GRPCRoute CRD, rules.matches docs): the most characters in the matching
 * service, then in the method, then the most header matches. Ties as for compareMatches.
 */
export function compareGrpcMatches(a: HttpMatchIR, b: HttpMatchIR): number {
  return (
    (b.grpcMethod?.service ?? '').length - (a.grpcMethod?.service ?? '').length ||
    (b.grpcMethod?.method ?? '').length - (a.grpcMethod?.method ?? '').length ||
    b.headers.length - a.headers.length
  );
}

/**
 * One host bucket's rules in precedence order. The spec forbids merging GRPCRoutes with
 * HTTPRoutes, so each kind is sorted by its own rules (stable: input is in creation, name, rule
 * and match order); the two lists are then interleaved by HTTP precedence, a merge that keeps
 * both orders and is total, unlike one comparator that switched rules by kind.
 */
export function sortRules(rules: HttpRuleIR[]): HttpRuleIR[] {
  const http = rules.filter((r) => !r.grpc).sort((a, b) => compareMatches(a.match, b.match));
  const grpc = rules.filter((r) => r.grpc).sort((a, b) => compareGrpcMatches(a.match, b.match));
  const out: HttpRuleIR[] = [];
  let i = 0, j = 0;
  while (i < http.length && j < grpc.length) out.push(compareMatches(grpc[j].match, http[i].match) < 0 ? grpc[j++] : http[i++]);
  return out.concat(http.slice(i), grpc.slice(j));
}
