// Turns a rate-limit rule's keys into one string per request: the counter it is charged to.
// Compiled once per table into a closure; undefined means "this limit does not apply to this
// request" (a header or claim it does not carry), as Envoy does with incomplete descriptors.
import { createHash } from 'node:crypto';
import type { RateLimitKeyIR } from '../../ir/index.ts';
import type { Exchange } from '../http/exchange.ts';

type Part = (ex: Exchange) => string | undefined;

function header(ex: Exchange, name: string): string | undefined {
  const v = ex.headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

/** A dotted path into the verified claims; objects and arrays are keyed by their JSON. */
function claim(ex: Exchange, path: readonly string[]): string | undefined {
  let v: unknown = ex.claims;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

// An API key is a secret: only a digest of it may end up in Redis or in memory as a key.
function digest(v: string): string {
  return createHash('sha256').update(v).digest('base64url').slice(0, 22);
}

function part(k: RateLimitKeyIR): Part {
  switch (k.type) {
    case 'ClientIP': return (ex) => ex.clientAddress;
    case 'Header': return (ex) => header(ex, k.name);
    case 'JWTClaim': {
      const path = k.claim.split('.');
      return (ex) => claim(ex, path);
    }
    case 'APIKey': return (ex) => {
      const v = header(ex, k.header);
      return v === undefined || v === '' ? undefined : digest(v);
    };
    case 'Path': return (ex) => ex.path;
    case 'Method': return (ex) => ex.method;
  }
}

/**
 * The counter key of a request for one rule's keys, or undefined when one of the values is
 * missing. Values are length-prefixed so "a|b" + "c" never collides with "a" + "b|c".
 */
export function compileKey(keys: readonly RateLimitKeyIR[]): (ex: Exchange) => string | undefined {
  if (keys.length === 0) return () => '';
  const parts = keys.map(part);
  return (ex) => {
    let out = '';
    for (let i = 0; i < parts.length; i++) {
      const v = parts[i]!(ex);
      if (v === undefined) return undefined;
      out += `${v.length}:${v}`;
    }
    return out;
  };
}
