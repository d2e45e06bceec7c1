// HTTPRoute CORS filter. Everything that does not depend on the request (origin matchers, the
// joined header values) is compiled once; per request it is one origin parse and a set lookup.
// The rules follow the CORS field docs of the HTTPRoute CRD (v1.6.1): an allowed origin is
// echoed (or `*` when any origin is allowed without credentials), wildcards in methods/headers
// are echoed from the request when credentials are allowed, Max-Age defaults to 5 s, and a
// preflight from a disallowed origin gets 204 without any CORS header.
import type { CorsIR } from '../../../ir/index.ts';
import type { Exchange, Handler } from '../exchange.ts';
import { sendGatewayResponse } from '../respond.ts';

interface WildcardOrigin {
  scheme: string;
  /** '.bar.com' for `*.bar.com`; '' for a bare `*` host (any host). */
  suffix: string;
  port: string;
}

interface OriginMatcher {
  any: boolean;
  exact: Set<string>;
  wildcards: WildcardOrigin[];
}

const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443' };

/** Splits `scheme://host(:port)` into lower-cased parts with the scheme's default port filled in. */
function splitOrigin(origin: string): { scheme: string; host: string; port: string } | undefined {
  const sep = origin.indexOf('://');
  if (sep <= 0) return undefined;
  const scheme = origin.slice(0, sep).toLowerCase();
  let rest = origin.slice(sep + 3).toLowerCase();
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  if (rest === '' || rest.includes('/')) return undefined;
  let host = rest;
  let port = DEFAULT_PORTS[scheme] ?? '';
  // IPv6 literals keep their colons inside brackets.
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf(']')) {
    host = rest.slice(0, colon);
    port = rest.slice(colon + 1);
    if (!/^[0-9]{1,5}$/.test(port)) return undefined;
    port = String(Number(port));
  }
  if (host === '') return undefined;
  return { scheme, host, port };
}

export function compileOrigins(allowOrigins: string[]): OriginMatcher {
  const m: OriginMatcher = { any: false, exact: new Set(), wildcards: [] };
  for (const o of allowOrigins) {
    if (o === '*') {
      m.any = true;
      continue;
    }
    const p = splitOrigin(o);
    if (!p) continue;
    if (p.host === '*') m.wildcards.push({ scheme: p.scheme, suffix: '', port: p.port });
    else if (p.host.startsWith('*.')) m.wildcards.push({ scheme: p.scheme, suffix: p.host.slice(1), port: p.port });
    else m.exact.add(`${p.scheme}://${p.host}:${p.port}`);
  }
  return m;
}

export function originAllowed(m: OriginMatcher, origin: string): boolean {
  if (m.any) return true;
  const p = splitOrigin(origin);
  if (!p) return false;
  if (m.exact.has(`${p.scheme}://${p.host}:${p.port}`)) return true;
  for (const w of m.wildcards) {
    if (w.scheme !== p.scheme || w.port !== p.port) continue;
    // `*` is greedy to the left: any number of labels, but at least one character before the suffix.
    if (w.suffix === '' || (p.host.length > w.suffix.length && p.host.endsWith(w.suffix))) return true;
  }
  return false;
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

export function corsFilter(ir: CorsIR): (next: Handler) => Handler {
  const origins = compileOrigins(ir.allowOrigins);
  const creds = ir.allowCredentials;
  const anyMethod = ir.allowMethods.includes('*');
  const anyHeader = ir.allowHeaders.includes('*');
  const anyExpose = ir.exposeHeaders.includes('*');
  const methods = ir.allowMethods.join(', ');
  const headers = ir.allowHeaders.join(', ');
  // With credentials a `*` would be read literally by browsers, so the wildcard is dropped.
  const expose = anyExpose && creds ? '' : ir.exposeHeaders.join(', ');
  const maxAge = String(ir.maxAge > 0 ? ir.maxAge : 5);
  // `*` is only allowed (and only cacheable across origins) without credentials.
  const starOrigin = origins.any && !creds;

  // Headers common to every allowed answer, built once; the origin is added per request.
  const actualBase: Record<string, string> = {};
  if (creds) actualBase['access-control-allow-credentials'] = 'true';
  if (expose) actualBase['access-control-expose-headers'] = expose;
  const preflightBase: Record<string, string> = { ...actualBase, 'access-control-max-age': maxAge };
  // An echoed origin makes the answer origin-specific, so caches must key on Origin. On
  // proxied responses the Vary entry is merged into the backend's own (applyResponseEdits).
  if (!starOrigin) preflightBase['vary'] = 'Origin';
  if (!anyMethod && methods) preflightBase['access-control-allow-methods'] = methods;
  if (!anyHeader && headers) preflightBase['access-control-allow-headers'] = headers;
  if (anyMethod && !creds) preflightBase['access-control-allow-methods'] = '*';
  if (anyHeader && !creds) preflightBase['access-control-allow-headers'] = '*';
  const echoMethod = anyMethod && creds;
  const echoHeaders = anyHeader && creds;

  return (next: Handler): Handler =>
    (ex: Exchange) => {
      const origin = single(ex.headers['origin']);
      if (origin === undefined) return next(ex);
      const allowed = originAllowed(origins, origin) && !(origin === 'null' && creds);
      const requestMethod = ex.method === 'OPTIONS' ? single(ex.headers['access-control-request-method']) : undefined;

      if (requestMethod !== undefined) {
        // A preflight is always answered by the gateway: the backend never sees it.
        if (!allowed) return sendGatewayResponse(ex, 204, '');
        const out: Record<string, string> = { ...preflightBase };
        out['access-control-allow-origin'] = starOrigin ? '*' : origin;
        if (echoMethod) out['access-control-allow-methods'] = requestMethod;
        if (echoHeaders) {
          const requested = single(ex.headers['access-control-request-headers']);
          if (requested) out['access-control-allow-headers'] = requested;
        }
        return sendGatewayResponse(ex, 204, '', undefined, out);
      }

      const rh = ex.responseHeaders;
      if (!starOrigin) rh['vary'] = 'Origin';
      if (allowed) {
        for (const k in actualBase) rh[k] = actualBase[k]!;
        rh['access-control-allow-origin'] = starOrigin ? '*' : origin;
      }
      return next(ex);
    };
}
