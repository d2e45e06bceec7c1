// Regular-expression matches (HTTPRoute path, header and query-param matches; GRPCRoute method
// and header matches) are RE2 patterns the data plane compiles with re2js. A pattern re2js cannot
// compile would make the data plane throw while building the listener's matchers, so it is
// checked here, once per distinct pattern: the match is dropped (a pattern that does not compile
// matches nothing) and its rule is invalid (UnsupportedValue, the field named; rule-parts.ts).
import { RE2JS } from 're2js';
import type { HttpMatchIR } from '../ir/index.ts';
import type { ConditionInput } from './conditions.ts';
import { Reason } from './conditions.ts';

// Verdicts by pattern: routes repeat the same few patterns, and compiling is the cost.
const verdicts = new Map<string, string | null>();
const MAX_VERDICTS = 10_000;

/** Why re2js refuses `pattern`, or undefined when it compiles. */
export function regexError(pattern: string): string | undefined {
  let v = verdicts.get(pattern);
  if (v === undefined) {
    try {
      RE2JS.compile(pattern);
      v = null;
    } catch (e) {
      v = (e as Error).message || 'invalid pattern';
    }
    if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
    verdicts.set(pattern, v);
  }
  return v ?? undefined;
}

function bad(field: string, pattern: string, why: string): ConditionInput {
  const shown = JSON.stringify(pattern.length > 64 ? pattern.slice(0, 64) + '…' : pattern);
  return {
    type: 'Accepted', status: false, reason: Reason.UnsupportedValueRoute,
    message: `${field}: ${shown} is not a valid RE2 regular expression (${why}); the match is ignored and the rule answers 500 until it is fixed`,
  };
}

/**
 * The first regular expression of a translated match that does not compile, as an Accepted=False
 * condition naming its field (`field` is the match's, e.g. spec.rules[0].matches[1]);
 * `pathField` names where the path pattern came from (GRPCRoute builds it from method.service/method).
 */
export function checkMatchRegexes(m: HttpMatchIR, field: string, pathField = `${field}.path.value`): ConditionInput | undefined {
  if (m.path.type === 'RegularExpression') {
    const why = regexError(m.path.value);
    if (why !== undefined) return bad(pathField, m.path.value, why);
  }
  for (const [kind, list] of [['headers', m.headers], ['queryParams', m.queryParams]] as const) {
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (s.type !== 'RegularExpression') continue;
      const why = regexError(s.value);
      if (why !== undefined) return bad(`${field}.${kind}[${i}].value`, s.value, why);
    }
  }
  return undefined;
}
