// Reading credentials from a request the way the policies name them: a header (with a value
// prefix), a cookie, a query parameter; and removing them before the request goes upstream.
import type { Exchange } from '../exchange.ts';

export function headerValue(ex: Exchange, name: string): string | undefined {
  const v = ex.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function cookieValue(ex: Exchange, name: string): string | undefined {
  const raw = ex.headers.cookie;
  for (const line of Array.isArray(raw) ? raw : raw ? [raw] : []) {
    for (const part of line.split(';')) {
      const i = part.indexOf('=');
      if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
    }
  }
  return undefined;
}

export function queryValue(ex: Exchange, name: string): string | undefined {
  if (ex.query.length < 2) return undefined;
  return new URLSearchParams(ex.query.slice(1)).get(name) ?? undefined;
}

export function removeQueryParam(ex: Exchange, name: string): void {
  if (ex.query.length < 2) return;
  const q = new URLSearchParams(ex.query.slice(1));
  if (!q.has(name)) return;
  q.delete(name);
  const s = q.toString();
  ex.query = s ? `?${s}` : '';
}

/** The first credential found: which source it came from, so it can be removed. */
export interface Found { value: string; from: 'header' | 'cookie' | 'param'; name: string }

export function findCredential(ex: Exchange, where: { headers: { name: string; prefix: string }[]; cookies: string[]; params: string[] }): Found | undefined {
  for (const h of where.headers) {
    const v = headerValue(ex, h.name);
    if (v === undefined) continue;
    if (h.prefix) {
      if (v.length > h.prefix.length && v.slice(0, h.prefix.length).toLowerCase() === h.prefix.toLowerCase()) return { value: v.slice(h.prefix.length).trim(), from: 'header', name: h.name };
      continue;
    }
    if (v) return { value: v.trim(), from: 'header', name: h.name };
  }
  for (const c of where.cookies) {
    const v = cookieValue(ex, c);
    if (v) return { value: v, from: 'cookie', name: c };
  }
  for (const p of where.params) {
    const v = queryValue(ex, p);
    if (v) return { value: v, from: 'param', name: p };
  }
  return undefined;
}

export function removeCredential(ex: Exchange, f: Found): void {
  if (f.from === 'header') delete ex.headers[f.name];
  else if (f.from === 'param') removeQueryParam(ex, f.name);
}
