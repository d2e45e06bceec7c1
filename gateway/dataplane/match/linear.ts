// The reference matcher: tries every rule in IR order. Obviously correct, O(rules); the fast
// matcher is tested against it on one shared case table.
import type { HttpRuleIR } from '../../ir/index.ts';
import { compileMatch, type CompiledMatch } from './compile-match.ts';
import type { MatchRequest, RuleMatcher } from './request.ts';

export class LinearMatcher implements RuleMatcher {
  private readonly compiled: CompiledMatch[];

  constructor(rules: readonly HttpRuleIR[]) {
    this.compiled = rules.map((r) => compileMatch(r.match));
  }

  match(req: MatchRequest): number {
    const c = this.compiled;
    for (let i = 0; i < c.length; i++) {
      const m = c[i]!;
      if (m.path(req) && m.rest(req)) return i;
    }
    return -1;
  }
}
