// W3C Trace Context headers on the way upstream. With tracing on, each upstream call carries
// its own span's traceparent (replacing the client's); with tracing off, the client's headers
// go through as they came, so the trace continues past the gateway either way.
export interface TraceHeaders {
  traceparent: string;
  tracestate?: string;
}

/** The client's own trace headers, for calls that do not copy every request header. */
export function incomingTrace(headers: Record<string, string | string[]>): TraceHeaders | undefined {
  const tp = headers['traceparent'];
  if (typeof tp !== 'string') return undefined;
  const ts = headers['tracestate'];
  return ts === undefined ? { traceparent: tp } : { traceparent: tp, tracestate: Array.isArray(ts) ? ts.join(',') : ts };
}

/** A flat upstream header list without traceparent/tracestate (the span's own go in per call). */
export function withoutTrace(headers: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const n = headers[i]!;
    if (n === 'traceparent' || n === 'tracestate') continue;
    out.push(n, headers[i + 1]!);
  }
  return out;
}

/** `base` (already without trace headers) plus this call's. */
export function withTrace(base: string[], t: TraceHeaders): string[] {
  return t.tracestate === undefined ? [...base, 'traceparent', t.traceparent] : [...base, 'traceparent', t.traceparent, 'tracestate', t.tracestate];
}
