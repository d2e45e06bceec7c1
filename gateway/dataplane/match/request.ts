// What a rule matcher looks at. Kept separate from Exchange so the matchers can be tested and
// benchmarked without sockets.

export interface MatchRequest {
  /** Upper-case method. */
  method: string;
  /** Path without the query string, normalised (normalize-path.ts) but still URL-encoded. */
  path: string;
  /** Lower-case header names (node's IncomingMessage shape). */
  headers: Record<string, string | string[] | undefined>;
  /** The query string including '?', or ''. */
  query: string;
  /** Filled on first use by queryParam(): most requests are matched without parsing the query. */
  parsedQuery?: Map<string, string>;
}

export interface RuleMatcher {
  /** Index of the first rule (in IR order) whose match holds, or -1. */
  match(req: MatchRequest): number;
}

/** The first value of a query parameter (exact, case-sensitive name), decoded. */
export function queryParam(req: MatchRequest, name: string): string | undefined {
  let parsed = req.parsedQuery;
  if (parsed === undefined) {
    parsed = new Map();
    const q = req.query;
    if (q.length > 1) {
      for (const part of q.slice(1).split('&')) {
        if (part === '') continue;
        const eq = part.indexOf('=');
        const k = decode(eq < 0 ? part : part.slice(0, eq));
        // The first value wins, as Envoy and the conformance suite expect.
        if (!parsed.has(k)) parsed.set(k, eq < 0 ? '' : decode(part.slice(eq + 1)));
      }
    }
    req.parsedQuery = parsed;
  }
  return parsed.get(name);
}

function decode(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** A header's value as one string: repeated headers are comma-joined (RFC 9110 5.3). */
export function headerValue(req: MatchRequest, name: string): string | undefined {
  const v = req.headers[name];
  if (v === undefined || typeof v === 'string') return v;
  return v.join(', ');
}
