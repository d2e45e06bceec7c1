// The client limits the data plane enforces, resolved once per compile: the gateway-wide defaults
// (flags) overlaid with a listener's own ClientLimitsIR. Requests read plain fields, never merge.
import type { ClientLimitsIR, EncodedSlashAction } from '../ir/index.ts';

export interface ResolvedClientLimits {
  encodedSlash: EncodedSlashAction;
  maxRequestBodyBytes: number;
  maxWebSocketMessageBytes: number;
  maxRequestHeaderBytes: number;
  maxRequestHeaders: number;
  maxConnections: number;
  maxRequestsPerConnection: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  http2MaxConcurrentStreams: number;
  http2MaxPrematureResets: number;
}

export const DEFAULT_CLIENT_LIMITS: ResolvedClientLimits = {
  encodedSlash: 'Reject',
  maxRequestBodyBytes: 0,
  // A bound, not a tuning: big enough for what browsers send, small enough that a client cannot
  // make a backend that buffers whole messages hold gigabytes.
  maxWebSocketMessageBytes: 16 * 1024 * 1024,
  maxRequestHeaderBytes: 32 * 1024,
  maxRequestHeaders: 100,
  maxConnections: 20_000,
  maxRequestsPerConnection: 0,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 300_000,
  idleTimeoutMs: 65_000,
  http2MaxConcurrentStreams: 100,
  http2MaxPrematureResets: 100,
};

/** Defaults overlaid with an override (every field of the override that is set wins). */
export function resolveClientLimits(defaults: ResolvedClientLimits, override: ClientLimitsIR | undefined): ResolvedClientLimits {
  if (override === undefined) return defaults;
  const out: ResolvedClientLimits = { ...defaults };
  for (const k of Object.keys(override) as (keyof ClientLimitsIR)[]) {
    if (k === 'path') continue;
    const v = override[k];
    if (typeof v === 'number') (out as unknown as Record<string, number>)[k] = v;
  }
  if (override.path?.encodedSlash !== undefined) out.encodedSlash = override.path.encodedSlash;
  return out;
}
