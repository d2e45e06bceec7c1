// HTTPRouteRule.timeouts as the CRD docs define them: `request` bounds the whole exchange
// (measured from when the gateway received it, retries and backoff included) and
// `backendRequest` bounds each call to a backend until its full response has arrived.
// A zero duration disables the timeout; unset means the implementation default (the pool's
// idle timeouts, see upstream/pools.ts).
import type { HttpRuleIR } from '../../ir/index.ts';
import type { Exchange } from './exchange.ts';
import type { ResponseFlag } from '../response-flags.ts';

export interface RuleTimeouts {
  /** Whole-exchange budget in ms, or undefined for none. */
  requestMs: number | undefined;
  /** Per-attempt budget in ms, or undefined for none. */
  backendMs: number | undefined;
  /**
   * undici headers/body idle timeouts for this rule: 0 (off) when the rule disables or sets its
   * own timeouts, so they cannot fire before the configured ones; undefined keeps the pool's.
   */
  idleMs: number | undefined;
}

export function compileTimeouts(rule: HttpRuleIR): RuleTimeouts {
  const { requestMs, backendRequestMs } = rule.timeouts;
  const req = requestMs === undefined || requestMs === 0 ? undefined : requestMs;
  const be = backendRequestMs === undefined || backendRequestMs === 0 ? undefined : backendRequestMs;
  const configured = requestMs !== undefined || backendRequestMs !== undefined;
  return { requestMs: req, backendMs: be, idleMs: configured ? 0 : undefined };
}

/** Milliseconds since the gateway received the request. */
export function elapsedMs(ex: Exchange): number {
  return Number(process.hrtime.bigint() - ex.startedAt) / 1e6;
}

/**
 * The budget for the next attempt and the code to record if it runs out, or 'expired' when
 * the request timeout has already passed.
 */
export function attemptBudget(
  ex: Exchange,
  t: RuleTimeouts,
): { ms: number | undefined; code: ResponseFlag } | 'expired' {
  if (t.requestMs === undefined) return { ms: t.backendMs, code: 'GW_ERR_UPSTREAM_TIMEOUT' };
  const left = t.requestMs - elapsedMs(ex);
  if (left <= 0) return 'expired';
  if (t.backendMs !== undefined && t.backendMs <= left) return { ms: t.backendMs, code: 'GW_ERR_UPSTREAM_TIMEOUT' };
  return { ms: left, code: 'GW_ERR_REQUEST_TIMEOUT' };
}

/** What is left of the request timeout (Infinity without one). */
export function remainingMs(ex: Exchange, t: RuleTimeouts): number {
  return t.requestMs === undefined ? Infinity : t.requestMs - elapsedMs(ex);
}
