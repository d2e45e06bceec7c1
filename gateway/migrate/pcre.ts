// ingress-nginx hands path regexes to nginx, which compiles them with PCRE; Portico matches with
// RE2 (re2js, the data plane's engine). RE2 has no backtracking features, so a pattern converts
// only where it means the same: a few spellings are rewritten to their RE2 equivalent, and what
// has none (lookaround, backreferences, atomic groups, possessive quantifiers, recursion,
// conditionals) is refused with the reason, for the report. The result is compiled with re2js.
import { RE2JS } from 're2js';

export type Converted = { ok: true; re2: string; changed: string[] } | { ok: false; reason: string };

/** PCRE constructs RE2 cannot express, with what the report says about them. */
const UNSUPPORTED: [RegExp, string][] = [
  [/\(\?<?[=!]/, 'lookahead or lookbehind ((?=, (?!, (?<=, (?<!)'],
  [/\(\?>/, 'an atomic group ((?>...))'],
  [/\(\?\(/, 'a conditional ((?(...)...))'],
  [/\(\?(?:R|\d+|&\w+|P>\w+)\)/, 'recursion ((?R), (?1), (?&name))'],
  [/\\[1-9]|\\g\{?-?\d|\\k[<{']/, 'a backreference (\\1, \\g1, \\k<name>)'],
  [/(?:[*+?}])\+/, 'a possessive quantifier (*+, ++, ?+, {n}+)'],
  [/\\G|\\K/, '\\G or \\K (match position control)'],
  [/\(\*[A-Z]/, 'a backtracking control verb ((*SKIP), (*FAIL), ...)'],
];

/** Spellings PCRE and RE2 both have under different names. */
const REWRITES: [RegExp, string, string][] = [
  [/\\Z/g, '$', '\\Z (end, before a final newline) as $ (a path has no newline)'],
  [/\\h/g, '[\\t ]', '\\h (horizontal space) as [\\t ]'],
  [/\(\?P?'(\w+)'/g, '(?P<$1>', "(?'name' as (?P<name>"],
];

/** Strips escaped characters and character classes so the checks above see only operators. */
function operatorsOf(pattern: string): string {
  return pattern.replace(/\\\\/g, '').replace(/\\[^\\]/g, (m) => (/\\[1-9gkGKZh]/.test(m) ? m : '_'));
}

export function pcreToRe2(pattern: string): Converted {
  const ops = operatorsOf(pattern);
  for (const [re, what] of UNSUPPORTED) {
    if (re.test(ops)) return { ok: false, reason: `uses ${what}, which RE2 does not support` };
  }
  let re2 = pattern;
  const changed: string[] = [];
  for (const [re, to, note] of REWRITES) {
    if (re.test(re2)) { re2 = re2.replace(re, to); changed.push(note); }
    re.lastIndex = 0;
  }
  try {
    RE2JS.compile(re2);
  } catch (err) {
    return { ok: false, reason: `does not compile as RE2: ${(err as Error).message}` };
  }
  return { ok: true, re2, changed };
}

/**
 * An ingress-nginx regex location (`location ~* "^<path>"`: case-insensitive, anchored at the
 * start only) as a Gateway API RegularExpression path, which Portico matches against the whole path.
 */
export function nginxLocationRegex(path: string): Converted {
  const c = pcreToRe2(path);
  if (!c.ok) return c;
  const body = c.re2.startsWith('^') ? c.re2.slice(1) : c.re2;
  const re2 = `(?i)(?:${body}).*`;
  try {
    RE2JS.compile(re2);
  } catch (err) {
    return { ok: false, reason: `does not compile as RE2: ${(err as Error).message}` };
  }
  return { ok: true, re2, changed: c.changed };
}
