// The fast matcher. Rules are indexed by their path so a request only looks at the rules that
// could match it: exact paths in a Map, prefixes in a Map keyed by the normalized prefix (probed
// once per path segment of the request), regexes in a short list. The candidate lists are kept
// in IR order and merged, so the first rule that holds is still the first in precedence order:
// the IR order is never changed. Cost depends on path depth and candidates, not on route count.
// A regex must match the whole path, so one that starts with a literal "/seg/..." can only match
// paths under "/seg": it is indexed under that segment prefix and probed with the prefixes,
// instead of being tested against every request of its host.
import type { HttpRuleIR } from '../../ir/index.ts';
import { compileMatch, normalizePrefix, type CompiledMatch } from './compile-match.ts';
import type { MatchRequest, RuleMatcher } from './request.ts';

export class HostIndexMatcher implements RuleMatcher {
  private readonly compiled: CompiledMatch[];
  private readonly exact = new Map<string, number[]>();
  private readonly prefix = new Map<string, number[]>();
  /** Rules with PathPrefix "/": candidates for every request. */
  private readonly root: number[] = [];
  /** Regex rules by the segment prefix every path they match starts with. */
  private readonly regexPrefix = new Map<string, number[]>();
  /** Regex rules without such a prefix: candidates for every request. */
  private readonly regex: number[] = [];
  // Scratch space for the merge: match() is synchronous, so one set per matcher is safe.
  private readonly lists: number[][] = [];
  private readonly pos: number[] = [];
  private readonly isRegex: Uint8Array;

  constructor(rules: readonly HttpRuleIR[]) {
    this.compiled = rules.map((r) => compileMatch(r.match));
    this.isRegex = new Uint8Array(rules.length);
    rules.forEach((r, i) => {
      const p = r.match.path;
      if (p.type === 'Exact') push(this.exact, p.value, i);
      else if (p.type === 'RegularExpression') {
        const seg = regexSegmentPrefix(p.value);
        if (seg === undefined) this.regex.push(i);
        else push(this.regexPrefix, seg, i);
        this.isRegex[i] = 1;
      }
      else {
        const v = normalizePrefix(p.value);
        if (v === '/') this.root.push(i);
        else push(this.prefix, v, i);
      }
    });
  }

  match(req: MatchRequest): number {
    const lists = this.lists;
    lists.length = 0;
    const path = req.path;
    const ex = this.exact.get(path);
    if (ex !== undefined) lists.push(ex);
    if (this.root.length > 0) lists.push(this.root);
    if (this.prefix.size > 0) {
      // Probe "/a", "/a/b", ... and the whole path: every segment boundary is a possible prefix.
      for (let i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) {
        const l = this.prefix.get(path.slice(0, i));
        if (l !== undefined) lists.push(l);
      }
      const l = this.prefix.get(path);
      if (l !== undefined) lists.push(l);
    }
    if (this.regexPrefix.size > 0) {
      // A regex keyed "/a/b" has the literal "/a/b/" before its first operator, so "/a/b" is
      // always followed by a slash in the paths it matches: the segment boundaries suffice.
      for (let i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) {
        const l = this.regexPrefix.get(path.slice(0, i));
        if (l !== undefined) lists.push(l);
      }
    }
    if (this.regex.length > 0) lists.push(this.regex);
    if (lists.length === 0) return -1;
    if (lists.length === 1) return this.scan(lists[0]!, req);
    return this.merge(req);
  }

  private scan(list: number[], req: MatchRequest): number {
    const c = this.compiled;
    for (let k = 0; k < list.length; k++) {
      const i = list[k]!;
      if (this.check(c[i]!, i, req)) return i;
    }
    return -1;
  }

  private merge(req: MatchRequest): number {
    const lists = this.lists;
    const pos = this.pos;
    pos.length = lists.length;
    pos.fill(0);
    const c = this.compiled;
    for (;;) {
      let best = -1;
      let bestList = -1;
      for (let j = 0; j < lists.length; j++) {
        const l = lists[j]!;
        const p = pos[j]!;
        if (p < l.length && (best < 0 || l[p]! < best)) {
          best = l[p]!;
          bestList = j;
        }
      }
      if (best < 0) return -1;
      pos[bestList] = pos[bestList]! + 1;
      if (this.check(c[best]!, best, req)) return best;
    }
  }

  private check(m: CompiledMatch, i: number, req: MatchRequest): boolean {
    // Only regex candidates still need their path tested; the index proved the others.
    if (this.isRegex[i] === 1 && !m.path(req)) return false;
    return m.rest(req);
  }
}

// RE2 syntax that ends the literal run at the start of a pattern.
const OPERATORS = new Set(['\\', '.', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$']);

/**
 * The longest "/seg/..." prefix, ending before a slash, that every path the (whole-path) regex
 * matches must start with; undefined when there is none (alternation anywhere, an operator before
 * the second slash, an optional character). Conservative: undefined only costs speed.
 */
export function regexSegmentPrefix(pattern: string): string | undefined {
  if (pattern.includes('|')) return undefined;
  let end = 0;
  while (end < pattern.length && !OPERATORS.has(pattern[end]!)) end++;
  // "ab?" or "ab*" or "ab{0,1}": the last literal character is optional.
  const next = pattern[end];
  if (next === '?' || next === '*' || next === '{') end--;
  const literal = pattern.slice(0, Math.max(0, end));
  if (!literal.startsWith('/')) return undefined;
  const cut = literal.lastIndexOf('/');
  return cut > 0 ? literal.slice(0, cut) : undefined;
}

function push(m: Map<string, number[]>, k: string, i: number): void {
  const l = m.get(k);
  if (l === undefined) m.set(k, [i]);
  else l.push(i);
}
