// Compiles one HttpMatchIR into predicates, once per table. Tenant regexes go through re2js
// (linear time): a hostile pattern cannot stall the event loop.
import { RE2JS } from 're2js';
import type { HttpMatchIR, StringMatchIR } from '../../ir/index.ts';
import { headerValue, queryParam, type MatchRequest } from './request.ts';

export type Predicate = (req: MatchRequest) => boolean;

export interface CompiledMatch {
  /** Path predicate alone (the index matcher already knows it holds for its candidates). */
  path: Predicate;
  /** Method, headers and query params: everything except the path. */
  rest: Predicate;
}

const always: Predicate = () => true;

export function compileMatch(m: HttpMatchIR): CompiledMatch {
  return { path: compilePath(m.path), rest: compileRest(m) };
}

function compilePath(p: HttpMatchIR['path']): Predicate {
  switch (p.type) {
    case 'Exact': {
      const v = p.value;
      return (req) => req.path === v;
    }
    case 'PathPrefix': {
      const v = normalizePrefix(p.value);
      if (v === '/') return always;
      return (req) => prefixMatches(req.path, v);
    }
    case 'RegularExpression': {
      const re = RE2JS.compile(p.value);
      return (req) => re.matches(req.path);
    }
  }
}

/** Segment-aware prefix test: "/foo" matches "/foo", "/foo/", "/foo/bar", not "/foobar". */
export function prefixMatches(path: string, prefix: string): boolean {
  if (!path.startsWith(prefix)) return false;
  return path.length === prefix.length || path.charCodeAt(prefix.length) === 47 /* / */;
}

/** The spec ignores a trailing slash in a PathPrefix value ("/foo/" behaves as "/foo"). */
export function normalizePrefix(value: string): string {
  let v = value;
  while (v.length > 1 && v.endsWith('/')) v = v.slice(0, -1);
  return v === '' ? '/' : v;
}

function compileString(m: StringMatchIR): (v: string) => boolean {
  if (m.type === 'Exact') {
    const want = m.value;
    return (v) => v === want;
  }
  const re = RE2JS.compile(m.value);
  return (v) => re.matches(v);
}

/** One condition of a match besides the path, named for people (`portico explain` shows which one failed). */
export interface Condition {
  what: string;
  test: Predicate;
}

/** Method, headers and query params as separate predicates: the same ones the matchers run. */
export function compileConditions(m: HttpMatchIR): Condition[] {
  const checks: Condition[] = [];
  if (m.method !== undefined) {
    const method = m.method.toUpperCase();
    checks.push({ what: `method ${method}`, test: (req) => req.method === method });
  }
  for (const h of m.headers) {
    const name = h.name.toLowerCase();
    const test = compileString(h);
    checks.push({
      what: `header ${name} ${h.type === 'Exact' ? '=' : '~'} ${JSON.stringify(h.value)}`,
      test: (req) => {
        const v = headerValue(req, name);
        return v !== undefined && test(v);
      },
    });
  }
  for (const q of m.queryParams) {
    const name = q.name;
    const test = compileString(q);
    checks.push({
      what: `query ${name} ${q.type === 'Exact' ? '=' : '~'} ${JSON.stringify(q.value)}`,
      test: (req) => {
        const v = queryParam(req, name);
        return v !== undefined && test(v);
      },
    });
  }
  return checks;
}

/** The path condition alone, named like the others. */
export function describePath(p: HttpMatchIR['path']): string {
  return `path ${p.type === 'Exact' ? '=' : p.type === 'PathPrefix' ? 'prefix' : '~'} ${JSON.stringify(p.value)}`;
}

function compileRest(m: HttpMatchIR): Predicate {
  const checks = compileConditions(m).map((c) => c.test);
  if (checks.length === 0) return always;
  if (checks.length === 1) return checks[0]!;
  return (req) => {
    for (let i = 0; i < checks.length; i++) if (!checks[i]!(req)) return false;
    return true;
  };
}
