// Spec precedence among HTTP rules that share a hostname (HTTPRoute CRD, rules docs) as ONE
// tuple comparator: Exact path > longest PathPrefix > RegularExpression (implementation-
// specific: ranked last, longer patterns first), then a method match, then more header
// matches, then more query matches. Ties are NOT decided here: callers stable-sort input
// that is already in creation-time, namespace/name, rule and match order.
import type { HttpMatchIR } from '../ir/index.ts';

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
