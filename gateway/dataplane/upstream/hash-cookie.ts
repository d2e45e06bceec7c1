// The key of a Cookie consistent hash, and the cookie it issues (TrafficPolicy loadBalancer
// consistentHash.cookie): a request without the cookie gets a fresh random value (128 bits from
// the CSPRNG), set on the response, and is hashed by that value at once, so the client sticks to
// one endpoint from its first request. The value feeds nothing but the hash, which every process
// computes alike (load-balancer.ts): any worker or replica sends the client to the same endpoint.
import { randomBytes } from 'node:crypto';
import type { HashCookieIR } from '../../ir/index.ts';
import type { Exchange } from '../http/exchange.ts';

/** The value of cookie `name` in the request's Cookie header(s); undefined when absent or empty. */
export function requestCookie(header: string | string[] | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const line of Array.isArray(header) ? header : [header]) {
    for (const part of line.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === name) {
        const v = part.slice(eq + 1).trim();
        return v === '' ? undefined : v;
      }
    }
  }
  return undefined;
}

function appendSetCookie(ex: Exchange, line: string): void {
  const cur = ex.responseHeaders['set-cookie'];
  ex.responseHeaders['set-cookie'] = cur === undefined ? line : (Array.isArray(cur) ? cur : [cur]).concat(line);
}

// The value issued to an exchange: the backend choice, the endpoint choice and a retry's new
// pick all hash the same value, and the response carries one Set-Cookie.
const issued = new WeakMap<Exchange, string>();

/** The hash key of a Cookie consistent hash; with `issue`, never undefined (a new cookie is issued). */
export function compileCookieKey(name: string, issue: HashCookieIR | undefined): (ex: Exchange) => string | undefined {
  if (issue === undefined) return (ex) => requestCookie(ex.headers['cookie'], name);
  // Attributes are validated by the translator (no ";" or control characters can reach them).
  const attrs = `; Path=${issue.path}${issue.domain !== undefined ? `; Domain=${issue.domain}` : ''}`
    + `${issue.maxAgeS !== undefined ? `; Max-Age=${issue.maxAgeS}` : ''}${issue.httpOnly ? '; HttpOnly' : ''}; SameSite=${issue.sameSite}`;
  return (ex) => {
    const v = requestCookie(ex.headers['cookie'], name);
    if (v !== undefined) return v;
    let k = issued.get(ex);
    if (k === undefined) {
      k = randomBytes(16).toString('base64url');
      issued.set(ex, k);
      const secure = issue.secure ?? ex.scheme === 'https';
      appendSetCookie(ex, `${name}=${k}${attrs}${secure ? '; Secure' : ''}`);
    }
    return k;
  };
}
