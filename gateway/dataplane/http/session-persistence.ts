// HTTPRouteRule.sessionPersistence without per-client server state: the session value itself
// names the backend and endpoint and carries its creation and last-use times, and is signed
// with a per-process HMAC key so a client cannot forge one that steers it to an arbitrary
// address. An unknown, forged, expired or stale (endpoint gone) value falls back to normal
// balancing and a new value is issued.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EndpointIR, HttpBackendIR, HttpRuleIR, SessionPersistenceIR } from '../../ir/index.ts';
import type { Exchange } from './exchange.ts';

let processKey: Buffer = randomBytes(32);

/**
 * Replaces the signing key. Data-plane workers behind one listener must share it, or a
 * session issued by one worker is rejected (and re-balanced) by the next.
 */
export function setSessionKey(key: Buffer): void {
  processKey = Buffer.from(key);
}

export interface Sticky {
  backend: HttpBackendIR;
  endpoint: EndpointIR;
  createdMs: number;
}

export interface CompiledSession {
  /** The still-valid target named by the request's session value, if any. */
  lookup(ex: Exchange): Sticky | undefined;
  /** Issues (sticky undefined) or refreshes the session for the chosen target. */
  issue(ex: Exchange, backend: HttpBackendIR, endpoint: EndpointIR, sticky: Sticky | undefined): void;
}

const MAC_BYTES = 16;

function sign(payload: string): string {
  return createHmac('sha256', processKey).update(payload).digest().subarray(0, MAC_BYTES).toString('base64url');
}

export function encodeSession(backendId: string, ep: EndpointIR, createdMs: number, lastMs: number): string {
  const payload = Buffer.from(`${backendId}\n${ep.address}\n${ep.port}\n${createdMs}\n${lastMs}`).toString('base64url');
  return `${payload}.${sign(payload)}`;
}

function decode(value: string): { id: string; address: string; port: number; created: number; last: number } | undefined {
  const dot = value.indexOf('.');
  if (dot <= 0) return undefined;
  const payload = value.slice(0, dot);
  const mac = Buffer.from(value.slice(dot + 1), 'base64url');
  const want = Buffer.from(sign(payload), 'base64url');
  if (mac.length !== want.length || !timingSafeEqual(mac, want)) return undefined;
  const parts = Buffer.from(payload, 'base64url').toString().split('\n');
  if (parts.length !== 5) return undefined;
  return { id: parts[0]!, address: parts[1]!, port: Number(parts[2]), created: Number(parts[3]), last: Number(parts[4]) };
}

function cookieValue(header: string | string[] | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const line of Array.isArray(header) ? header : [header]) {
    for (const part of line.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
    }
  }
  return undefined;
}

/** The cookie Path: the rule's path match prefix (GEP-1619), "/" for regular expressions. */
function cookiePath(rule: HttpRuleIR): string {
  const p = rule.match.path;
  if (p.type === 'RegularExpression' || p.value === '') return '/';
  return p.value;
}

// Milliseconds, so sub-second timeouts (and tests) expire on time.
const nowMs = Date.now;

export function compileSession(ir: SessionPersistenceIR, rule: HttpRuleIR): CompiledSession {
  const byId = new Map<string, { backend: HttpBackendIR; endpoints: Map<string, EndpointIR> }>();
  for (const b of rule.backends) {
    if (b.invalid !== undefined || b.weight <= 0) continue;
    byId.set(b.id, { backend: b, endpoints: new Map(b.endpoints.map((e) => [`${e.address}|${e.port}`, e])) });
  }
  const absMs = ir.absoluteTimeoutMs !== undefined && ir.absoluteTimeoutMs > 0 ? ir.absoluteTimeoutMs : undefined;
  const idleMs = ir.idleTimeoutMs !== undefined && ir.idleTimeoutMs > 0 ? ir.idleTimeoutMs : undefined;
  const headerName = ir.name.toLowerCase();
  const path = cookiePath(rule);

  return {
    lookup(ex) {
      const raw = ir.type === 'Cookie' ? cookieValue(ex.headers['cookie'], ir.name) : ex.headers[headerName];
      const value = Array.isArray(raw) ? raw[0] : raw;
      if (value === undefined || value === '') return undefined;
      const s = decode(value);
      if (s === undefined) return undefined;
      const now = nowMs();
      if (absMs !== undefined && now - s.created >= absMs) return undefined;
      if (idleMs !== undefined && now - s.last >= idleMs) return undefined;
      const hit = byId.get(s.id);
      const endpoint = hit?.endpoints.get(`${s.address}|${s.port}`);
      if (hit === undefined || endpoint === undefined) return undefined;
      return { backend: hit.backend, endpoint, createdMs: s.created };
    },
    issue(ex, backend, endpoint, sticky) {
      // A valid session only needs rewriting when its idle clock must move.
      if (sticky !== undefined && idleMs === undefined) return;
      const now = nowMs();
      const created = sticky?.createdMs ?? now;
      const value = encodeSession(backend.id, endpoint, created, now);
      if (ir.type === 'Header') {
        ex.responseHeaders[headerName] = value;
        return;
      }
      let cookie = `${ir.name}=${value}; Path=${path}; HttpOnly`;
      if (ex.scheme === 'https') cookie += '; Secure';
      if (ir.permanent && absMs !== undefined) cookie += `; Max-Age=${Math.max(0, Math.ceil((created + absMs - now) / 1000))}`;
      const cur = ex.responseHeaders['set-cookie'];
      ex.responseHeaders['set-cookie'] = cur === undefined ? cookie : (Array.isArray(cur) ? cur : [cur]).concat(cookie);
    },
  };
}
