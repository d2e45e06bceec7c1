// ReplaceFullPath / ReplacePrefixMatch, shared by RequestRedirect and URLRewrite.
import type { PathMatchIR, PathModifierIR } from '../../../ir/index.ts';

/**
 * Replaces the matched prefix of `path` with `replacement`, on segment boundaries: prefix /foo
 * with /bar turns /foo/x into /bar/x and /foo into /bar; with "/" it turns /foo/x into /x and
 * /foo into "/". A trailing slash on either value is ignored, as for path matching.
 */
export function replacePrefix(path: string, prefix: string, replacement: string): string {
  const p = trimSlash(prefix);
  // The matcher guarantees path starts with p on a segment boundary; keep the rest as is.
  const rest = path.startsWith(p) ? path.slice(p.length) : path;
  const r = trimSlash(replacement);
  const out = (r === '/' ? '' : r) + rest;
  if (out === '') return '/';
  return out.startsWith('/') ? out : `/${out}`;
}

function trimSlash(v: string): string {
  let s = v;
  while (s.length > 1 && s.endsWith('/')) s = s.slice(0, -1);
  return s === '' ? '/' : s;
}

/** Compiles a path modifier into `path => new path`, or undefined when it does not apply. */
export function compilePathModifier(mod: PathModifierIR | undefined, match: PathMatchIR): ((path: string) => string) | undefined {
  if (mod === undefined) return undefined;
  if (mod.type === 'ReplaceFullPath') {
    const v = mod.value;
    return () => v;
  }
  // ReplacePrefixMatch is only valid with a PathPrefix match (CEL-enforced); be safe otherwise.
  if (match.type !== 'PathPrefix') return undefined;
  const prefix = trimSlash(match.value);
  const repl = mod.value;
  if (prefix === '/') {
    const r = trimSlash(repl);
    return (path) => (r === '/' ? path : r + (path === '/' ? '' : path));
  }
  return (path) => replacePrefix(path, prefix, repl);
}
