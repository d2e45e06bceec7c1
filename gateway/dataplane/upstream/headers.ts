// Header plumbing shared by the forwarder, the WebSocket proxy and gateway answers: hop-by-hop
// stripping (RFC 9110 §7.6.1) both ways and the response-side header edits of the chain.
import type { HeaderModifierIR } from '../../ir/index.ts';

export type HeaderMap = Record<string, string | string[] | undefined>;

/** Connection-specific names: never forwarded, and forbidden on HTTP/2 (RFC 9113 §8.2.2). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name);
}

/** The extra names a Connection header declares hop-by-hop, or undefined when there are none. */
export function connectionTokens(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  let out: Set<string> | undefined;
  for (const raw of text.split(',')) {
    const t = raw.trim().toLowerCase();
    if (t === '' || t === 'close' || t === 'keep-alive') continue;
    (out ??= new Set()).add(t);
  }
  return out;
}

/**
 * Copies a lower-case header map without hop-by-hop headers, the names Connection lists, and
 * HTTP/2 pseudo-headers. Used on upstream responses before they are written back.
 */
export function stripHopByHop(headers: HeaderMap): Record<string, string | string[]> {
  const listed = connectionTokens(headers['connection']);
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined || HOP_BY_HOP.has(name) || name.charCodeAt(0) === 58 /* ':' */) continue;
    if (listed !== undefined && listed.has(name)) continue;
    out[name] = v;
  }
  return out;
}

function append(out: Record<string, string | string[]>, name: string, value: string | string[]): void {
  const cur = out[name];
  if (cur === undefined) {
    out[name] = value;
  } else if (name === 'set-cookie') {
    // Set-Cookie cannot be comma-joined (RFC 6265 §3): keep one field per cookie.
    out[name] = (Array.isArray(cur) ? cur : [cur]).concat(value);
  } else {
    out[name] = `${Array.isArray(cur) ? cur.join(',') : cur},${Array.isArray(value) ? value.join(',') : value}`;
  }
}

/**
 * Applies the chain's response edits in place: first the headers filters added (CORS, session
 * cookies: they replace upstream values, except Set-Cookie which accumulates), then each
 * ResponseHeaderModifier in order (set, add, remove as the HTTPHeaderFilter docs define them).
 */
/** Vary is a list: the gateway's entries join the backend's instead of replacing them. */
function mergeVary(existing: string | string[] | undefined, add: string | string[]): string {
  const tokens: string[] = [];
  const seen = new Set<string>();
  for (const v of [existing ?? [], add].flat()) {
    for (const t of v.split(',')) {
      const k = t.trim();
      if (!k || seen.has(k.toLowerCase())) continue;
      seen.add(k.toLowerCase());
      tokens.push(k);
    }
  }
  return seen.has('*') ? '*' : tokens.join(', ');
}

export function applyResponseEdits(
  out: Record<string, string | string[]>,
  extra: Record<string, string | string[]>,
  modifiers: readonly HeaderModifierIR[],
): void {
  for (const name in extra) {
    if (name === 'set-cookie') append(out, name, extra[name]!);
    else if (name === 'vary') out[name] = mergeVary(out[name], extra[name]!);
    else out[name] = extra[name]!;
  }
  for (let i = 0; i < modifiers.length; i++) {
    const m = modifiers[i]!;
    for (const s of m.set) out[s.name.toLowerCase()] = s.value;
    for (const a of m.add) append(out, a.name.toLowerCase(), a.value);
    for (const r of m.remove) delete out[r.toLowerCase()];
  }
}
