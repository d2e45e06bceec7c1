// Values that a route puts into requests and responses (header modifiers, redirects, rewrites,
// CORS, ExternalAuth, session persistence) are checked here, at translate time, so that none can
// inject a header line (CR, LF), end a string early (NUL), or make the data plane throw in the
// request path. The CRD schema refuses most of these in a cluster; the translator does not rely
// on it (objects also come from files, older CRDs, or a client that skipped validation).
// A failed check makes the rule invalid (UnsupportedValue, the field named; rule-parts.ts): it
// answers 500 where it matches, with no value sent, and never lets its requests fall through to
// a less specific route. Nothing is refused at request time: no request turns into a runtime 500.
import type { HTTPHeaderFilter, HTTPPathModifier, HTTPRouteFilter, SessionPersistence } from '../model/index.ts';
import type { ConditionInput } from './conditions.ts';
import { Reason } from './conditions.ts';

// RFC 9110 §5.1 field-name = token.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 §5.5 field-value: VCHAR, SP, HTAB and obs-text; no CR, LF or NUL (what node accepts too).
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
// RFC 1123 host name, optionally a wildcard first label (where the spec allows one it is checked elsewhere).
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$/;
// An absolute path of RFC 3986 pchars and percent-escapes (no query, fragment, space or control).
const PATH = /^\/(?:[-A-Za-z0-9._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;
// CORS origin: "*", or scheme://host[:port] with an optional "*." wildcard label.
const ORIGIN = /^(?:\*|[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:\*\.)?[A-Za-z0-9.-]+(?::[0-9]{1,5})?)$/;

function bad(field: string, what: string, value: unknown): ConditionInput {
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 64 ? value.slice(0, 64) + '…' : value) : `a ${value === null ? 'null' : typeof value}`;
  return {
    type: 'Accepted', status: false, reason: Reason.UnsupportedValueRoute,
    message: `${field}: ${shown} is not ${what}; the rule answers 500 until it is fixed`,
  };
}

type Check = (v: unknown) => boolean;
const isToken: Check = (v) => typeof v === 'string' && TOKEN.test(v);
const isFieldValue: Check = (v) => typeof v === 'string' && v.length <= 4096 && FIELD_VALUE.test(v);
const isHostname: Check = (v) => typeof v === 'string' && HOSTNAME.test(v);
// "//host" would be a protocol-relative reference in a Location header: an open redirect.
const isPath: Check = (v) => typeof v === 'string' && v.length <= 1024 && PATH.test(v) && !v.startsWith('//');
const isOrigin: Check = (v) => typeof v === 'string' && ORIGIN.test(v);

function optional(v: unknown, check: Check, field: string, what: string): ConditionInput | undefined {
  return v === undefined || check(v) ? undefined : bad(field, what, v);
}

function list(v: unknown, check: Check, field: string, what: string): ConditionInput | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) return bad(field, 'a list', v);
  for (let i = 0; i < v.length; i++) if (!check(v[i])) return bad(`${field}[${i}]`, what, v[i]);
  return undefined;
}

function headerFilter(f: HTTPHeaderFilter | undefined, field: string): ConditionInput | undefined {
  if (f === undefined) return undefined;
  if (typeof f !== 'object' || f === null) return bad(field, 'an object', f);
  for (const part of ['set', 'add'] as const) {
    const hs = f[part] as unknown;
    if (hs === undefined) continue;
    if (!Array.isArray(hs)) return bad(`${field}.${part}`, 'a list', hs);
    for (let i = 0; i < hs.length; i++) {
      const h = hs[i] as { name?: unknown; value?: unknown } | null;
      if (typeof h !== 'object' || h === null) return bad(`${field}.${part}[${i}]`, 'an object', h);
      if (!isToken(h.name)) return bad(`${field}.${part}[${i}].name`, 'a header name (RFC 9110 token)', h.name);
      if (!isFieldValue(h.value)) return bad(`${field}.${part}[${i}].value`, 'a header value (no CR, LF, NUL or control characters; at most 4096 bytes)', h.value);
    }
  }
  return list(f.remove, isToken, `${field}.remove`, 'a header name (RFC 9110 token)');
}

function pathModifier(p: HTTPPathModifier | undefined, field: string): ConditionInput | undefined {
  if (p === undefined) return undefined;
  if (typeof p !== 'object' || p === null) return bad(field, 'an object', p);
  return optional(p.replaceFullPath, isPath, `${field}.replaceFullPath`, 'an absolute path (RFC 3986 characters, no query or fragment)')
    ?? optional(p.replacePrefixMatch, isPath, `${field}.replacePrefixMatch`, 'an absolute path (RFC 3986 characters, no query or fragment)');
}

/** The first unsafe value of a filter, as an Accepted=False condition naming its field. */
export function checkFilterValues(f: HTTPRouteFilter, field: string): ConditionInput | undefined {
  if (typeof f !== 'object' || f === null) return bad(field, 'an object', f);
  switch (f.type) {
    case 'RequestHeaderModifier': return headerFilter(f.requestHeaderModifier, `${field}.requestHeaderModifier`);
    case 'ResponseHeaderModifier': return headerFilter(f.responseHeaderModifier, `${field}.responseHeaderModifier`);
    case 'RequestRedirect': {
      const r = f.requestRedirect;
      if (r === undefined) return undefined;
      if (typeof r !== 'object' || r === null) return bad(`${field}.requestRedirect`, 'an object', r);
      return optional(r.scheme, (v) => v === 'http' || v === 'https', `${field}.requestRedirect.scheme`, 'http or https')
        ?? optional(r.hostname, isHostname, `${field}.requestRedirect.hostname`, 'a host name (RFC 1123)')
        ?? optional(r.port, (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535, `${field}.requestRedirect.port`, 'a port 1..65535')
        ?? optional(r.statusCode, (v) => v === 301 || v === 302 || v === 303 || v === 307 || v === 308, `${field}.requestRedirect.statusCode`, 'a redirect status (301, 302, 303, 307, 308)')
        ?? pathModifier(r.path, `${field}.requestRedirect.path`);
    }
    case 'URLRewrite': {
      const r = f.urlRewrite;
      if (r === undefined) return undefined;
      if (typeof r !== 'object' || r === null) return bad(`${field}.urlRewrite`, 'an object', r);
      return optional(r.hostname, isHostname, `${field}.urlRewrite.hostname`, 'a host name (RFC 1123)')
        ?? pathModifier(r.path, `${field}.urlRewrite.path`);
    }
    case 'CORS': {
      const c = f.cors;
      if (c === undefined) return undefined;
      if (typeof c !== 'object' || c === null) return bad(`${field}.cors`, 'an object', c);
      return list(c.allowOrigins, isOrigin, `${field}.cors.allowOrigins`, 'an origin ("*" or scheme://host[:port])')
        ?? list(c.allowMethods, isToken, `${field}.cors.allowMethods`, 'a method (RFC 9110 token)')
        ?? list(c.allowHeaders, isToken, `${field}.cors.allowHeaders`, 'a header name (RFC 9110 token)')
        ?? list(c.exposeHeaders, isToken, `${field}.cors.exposeHeaders`, 'a header name (RFC 9110 token)')
        ?? optional(c.allowCredentials, (v) => typeof v === 'boolean', `${field}.cors.allowCredentials`, 'true or false')
        ?? optional(c.maxAge, (v) => Number.isInteger(v) && (v as number) >= 0, `${field}.cors.maxAge`, 'a whole number of seconds');
    }
    case 'ExternalAuth': {
      const a = f.externalAuth;
      if (a === undefined) return undefined;
      if (typeof a !== 'object' || a === null) return bad(`${field}.externalAuth`, 'an object', a);
      const http = a.http as unknown;
      const grpc = a.grpc as unknown;
      if (http !== undefined && (typeof http !== 'object' || http === null)) return bad(`${field}.externalAuth.http`, 'an object', http);
      if (grpc !== undefined && (typeof grpc !== 'object' || grpc === null)) return bad(`${field}.externalAuth.grpc`, 'an object', grpc);
      return optional(a.http?.path, (v) => v === '' || isPath(v), `${field}.externalAuth.http.path`, 'an absolute path (RFC 3986 characters, no query or fragment)')
        ?? list(a.http?.allowedHeaders, isToken, `${field}.externalAuth.http.allowedHeaders`, 'a header name (RFC 9110 token)')
        ?? list(a.http?.allowedResponseHeaders, isToken, `${field}.externalAuth.http.allowedResponseHeaders`, 'a header name (RFC 9110 token)')
        ?? list(a.grpc?.allowedHeaders, isToken, `${field}.externalAuth.grpc.allowedHeaders`, 'a header name (RFC 9110 token)')
        ?? optional(a.forwardBody?.maxSize, (v) => Number.isInteger(v) && (v as number) >= 0, `${field}.externalAuth.forwardBody.maxSize`, 'a whole number of bytes');
    }
    default:
      return undefined;
  }
}

/** A session name becomes a cookie name or a header name: both must be RFC 9110 tokens. */
export function checkSessionPersistence(sp: SessionPersistence | undefined, field: string): ConditionInput | undefined {
  if (sp === undefined) return undefined;
  if (typeof sp !== 'object' || sp === null) return bad(field, 'an object', sp);
  return optional(sp.sessionName, isToken, `${field}.sessionName`, 'a cookie or header name (RFC 9110 token)');
}
