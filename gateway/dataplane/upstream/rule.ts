// The terminal handler of a rule's chain, compiled once per table: backend choice (session,
// then weights), backend filters, endpoint choice, then the retry/timeout loop around single
// proxied attempts (or the WebSocket proxy for Upgrade requests).
import type { Readable } from 'node:stream';
import type { EndpointIR, HttpBackendIR, HttpRuleIR } from '../../ir/index.ts';
import { cancelled, type Exchange, type Handler } from '../http/exchange.ts';
import type { DataplaneObserver } from '../observer.ts';
import { sendGatewayResponse } from '../http/respond.ts';
import { buildUpstreamHeaders, clientGone, forwardAttempt, requestHasBody, startAttempt } from '../http/forward.ts';
import { handlerFailed } from '../http/errors.ts';
import type { UpstreamFailure } from '../http/forward.ts';
import { compileRetry, readReplayableBody, sleep } from '../http/retry.ts';
import { attemptBudget, compileTimeouts, remainingMs } from '../http/timeouts.ts';
import { compileSession } from '../http/session-persistence.ts';
import { proxyUpgrade } from '../http/websocket.ts';
import { createWeightedPicker } from './balancer.ts';
import { compileEndpointPicker, compileHashKey, hashedBackendPicker, trackRequest, type EndpointPicker } from './load-balancer.ts';
import type { HealthChecks } from './health-checks.ts';
import { beginBudgeted, retryFits, tryRetry } from './retry-budget.ts';
import { trafficOf } from '../traffic/of.ts';
import { PoolRegistry, transportKey } from './pools.ts';
import type { Admission } from './queue.ts';
import type { ResilienceRegistry, BackendResilience } from './resilience.ts';
import type { EndpointVerdict } from './outlier.ts';
import type { AttemptOutcome } from '../http/forward.ts';
import { addResponseFlag } from '../response-flags.ts';
import { countedBody, endpointAddress } from '../http/counted-body.ts';
import { withTrace, withoutTrace } from '../http/trace-headers.ts';

export interface RuleHooks {
  /** Runs the picked backend's own filters; false when one of them already answered. */
  applyBackendFilters(ex: Exchange, backend: HttpBackendIR): Promise<boolean> | boolean;
}

const FAILURE_TEXT: Record<number, string> = {
  502: 'upstream connection failed',
  504: 'upstream request timeout',
};

const gatewayStatus = (status: number) => (status >= 502 && status <= 504 ? 'gateway' : '5xx');

// Failures that are the endpoint's: a broken request body (the body limit's 413, a client that
// sends garbage) also fails the attempt, with another code or after the client was answered.
const ENDPOINT_FAILURES = new Set(['GW_ERR_UPSTREAM_CONNECT', 'GW_ERR_UPSTREAM_RESET', 'GW_ERR_UPSTREAM_TIMEOUT', 'GW_ERR_REQUEST_TIMEOUT', 'GW_ERR_UPSTREAM_TLS']);

/**
 * What an attempt says about the endpoint's health; undefined when it says nothing. A failure
 * once the client is gone is never the endpoint's (forwardAttempt reports a mid-body failure
 * after the client left as 'done', not as a cut).
 */
function verdictOf(ex: Exchange, outcome: AttemptOutcome): EndpointVerdict | undefined {
  if (outcome.kind === 'failed') {
    if (ex.res?.headersSent === true || !ENDPOINT_FAILURES.has(outcome.failure.code) || clientGone(ex)) return undefined;
    return 'local';
  }
  if (outcome.kind === 'retry-status') return outcome.status >= 500 ? gatewayStatus(outcome.status) : 'success';
  if (outcome.cut !== undefined) return 'local';
  // 'done' without an upstream head: the client went away first.
  if (ex.record.upstreamMs === undefined) return undefined;
  return ex.record.status >= 500 ? gatewayStatus(ex.record.status) : 'success';
}

export function compileRuleHandler(
  rule: HttpRuleIR,
  hooks: RuleHooks,
  pools: PoolRegistry,
  resilience: ResilienceRegistry,
  observer: DataplaneObserver | undefined,
  health?: HealthChecks,
): Handler {
  const weighted = createWeightedPicker(rule.backends);
  const session = rule.sessionPersistence ? compileSession(rule.sessionPersistence, rule) : undefined;
  const retry = compileRetry(rule.retry);
  const timeouts = compileTimeouts(rule);
  const traffic = trafficOf(rule);
  const maxConnections = traffic?.circuitBreaker?.maxConnections;
  const retryBudget = traffic?.circuitBreaker?.retryBudget;
  const leastRequest = traffic?.loadBalancer?.type === 'LeastRequest';
  const transports = new Map<HttpBackendIR, string>(rule.backends.map((b) => [b, transportKey(b, maxConnections)]));
  const anyBackendFilters = rule.backends.some((b) => b.filters.length > 0);
  // TrafficPolicy loadBalancer and healthCheck: one endpoint picker per backend.
  const hc = traffic?.healthCheck?.active;
  // A consistent hash picks the backend by its key too (by weight), so a key sticks across a split.
  const hashKey = compileHashKey(traffic?.loadBalancer);
  const pick: (ex: Exchange) => HttpBackendIR | undefined = hashKey === undefined ? weighted : hashedBackendPicker(rule.backends, hashKey, weighted);
  const pickers = new Map<HttpBackendIR, EndpointPicker>(rule.backends.map((b) => (
    [b, compileEndpointPicker(b, traffic?.loadBalancer, hc !== undefined && health !== undefined ? health.view(b, hc) : undefined, hashKey)]
  )));
  // TrafficPolicy circuitBreaker (parallel and pending requests) and healthCheck.passive are the
  // backend's overrides of the gateway-wide queue and outlier-detection defaults.
  const cb = traffic?.circuitBreaker;
  const passive = traffic?.healthCheck?.passive;
  const queue = cb?.maxParallelRequests !== undefined || cb?.maxPendingRequests !== undefined
    ? { ...(cb.maxParallelRequests !== undefined ? { maxRequests: cb.maxParallelRequests } : {}), ...(cb.maxPendingRequests !== undefined ? { maxPending: cb.maxPendingRequests } : {}) }
    : undefined;
  const override = queue !== undefined || passive !== undefined ? { ...(queue ? { queue } : {}), ...(passive ? { outlierDetection: passive } : {}) } : undefined;
  const guards = new Map<HttpBackendIR, BackendResilience>(rule.backends.map((b) => [b, resilience.get(b, override)]));

  const fail = (ex: Exchange, backend: HttpBackendIR, f: UpstreamFailure) => {
    observer?.onUpstreamError?.(backend.id, f.code);
    sendGatewayResponse(ex, f.status, FAILURE_TEXT[f.status] ?? 'upstream error', f.code);
  };

  // Not async itself: without a retry budget it hands back forwardOn's own promise (an async
  // wrapper would add a promise and two ticks per request).
  const forward = (ex: Exchange, backend: HttpBackendIR, first: EndpointIR, pinned: boolean, guard: BackendResilience): Promise<void> => {
    if (retryBudget === undefined) return forwardOn(ex, backend, first, pinned, guard);
    return budgeted(ex, backend, first, pinned, guard);
  };
  const budgeted = async (ex: Exchange, backend: HttpBackendIR, first: EndpointIR, pinned: boolean, guard: BackendResilience) => {
    const end = beginBudgeted(backend);
    try {
      return await forwardOn(ex, backend, first, pinned, guard);
    } finally {
      end();
    }
  };

  const forwardOn = async (ex: Exchange, backend: HttpBackendIR, first: EndpointIR, pinned: boolean, guard: BackendResilience): Promise<void> => {
    const picker = pickers.get(backend)!;
    let retrySlot: (() => void) | undefined;
    const transport = transports.get(backend)!;
    const headers = buildUpstreamHeaders(ex);
    let body: Buffer | Readable | AsyncIterable<Buffer> | null = null;
    let attempts = 1;
    const replaced = ex.body;
    if (replaced !== undefined) {
      // A filter consumed req: a Buffer is fully known (replayable), a stream is not.
      if (Buffer.isBuffer(replaced)) {
        body = replaced.length > 0 ? replaced : null;
        ex.record.bytesIn = replaced.length;
        attempts = retry?.attempts ?? 1;
      } else {
        body = countedBody(replaced, ex.record);
      }
    } else if (requestHasBody(ex)) {
      if (retry !== undefined) {
        const left = remainingMs(ex, timeouts);
        const read = readReplayableBody(ex, undefined, left === Infinity ? undefined : Math.max(0, left));
        if (read === undefined) {
          body = countedBody(ex.req as Readable, ex.record);
        } else {
          const b = await read;
          if (b === undefined) return; // the client went away mid-body
          if (b === 'timeout') {
            sendGatewayResponse(ex, 504, 'request timeout', 'GW_ERR_REQUEST_TIMEOUT');
            return;
          }
          body = b;
          ex.record.bytesIn = b.length;
          attempts = retry.attempts;
        }
      } else {
        body = countedBody(ex.req as Readable, ex.record);
      }
    } else if (retry !== undefined) {
      attempts = retry.attempts;
    }

    let endpoint = first;
    // A retry's new pick: a rotation moves on by itself, a consistent hash to the key's next choice.
    let rank = 1;
    const span = ex.span;
    const untraced = span === undefined ? headers : withoutTrace(headers);
    for (let n = 1; ; n++) {
      const budget = attemptBudget(ex, timeouts);
      if (budget === 'expired') {
        sendGatewayResponse(ex, 504, 'request timeout', 'GW_ERR_REQUEST_TIMEOUT');
        return;
      }
      // Beyond the retry budget this attempt is the last: its answer is relayed as it is.
      const last = n >= attempts || !retryFits(backend, retryBudget);
      ex.endpoint = endpoint;
      ex.record.upstreamAddress = endpointAddress(endpoint);
      ex.record.attempts = n;
      const attempt = span?.child('upstream attempt', {
        'gateway_api.backend': backend.id, 'server.address': endpoint.address, 'server.port': endpoint.port,
        'http.request.method': ex.method, ...(n > 1 ? { 'http.request.resend_count': n - 1 } : {}),
      });
      const done = leastRequest ? trackRequest(endpoint) : undefined;
      const outcome = await forwardAttempt(ex, {
        pool: pools.get(backend, transport, endpoint, maxConnections),
        backend,
        endpoint,
        headers: attempt === undefined ? headers : withTrace(untraced, attempt.headers),
        body,
        retryCodes: last ? undefined : retry?.codes,
        timeoutMs: budget.ms,
        timeoutCode: budget.code,
        idleTimeoutMs: timeouts.idleMs,
      });
      done?.();
      retrySlot?.();
      retrySlot = undefined;
      attempt?.end(outcome.kind === 'done' ? { status: ex.record.status }
        : outcome.kind === 'retry-status' ? { status: outcome.status } : { status: outcome.failure.status, error: outcome.failure.code });
      const verdict = verdictOf(ex, outcome);
      if (verdict !== undefined) guard.outliers.record(backend, endpoint, verdict);
      if (outcome.kind === 'done' && outcome.cut !== undefined) observer?.onUpstreamError?.(backend.id, outcome.cut);
      if (outcome.kind === 'done' || cancelled(ex)) return;
      if (outcome.kind === 'failed') {
        const f = outcome.failure;
        const retryable =
          !last && retry !== undefined && budget.code !== 'GW_ERR_REQUEST_TIMEOUT' && (f.retryable || (f.timeout && retry.retryTimeouts));
        if (!retryable) {
          fail(ex, backend, f);
          return;
        }
        observer?.onUpstreamError?.(backend.id, f.code);
        // Logged even when a later attempt succeeds: the retry hides the fault from the client only.
        addResponseFlag(ex.record, f.code);
        // A dead endpoint is worth leaving; a pinned session stays where it is.
        if (!pinned) endpoint = guard.outliers.pick(backend, () => picker(ex, rank++)) ?? endpoint;
      }
      retrySlot = tryRetry(backend, retryBudget);
      // Backoff never outlasts the request timeout: the next budget check then answers 504.
      await sleep(Math.min(retry!.backoffMs, Math.max(0, remainingMs(ex, timeouts))), ex.signal);
      if (cancelled(ex)) return;
    }
  };

  /**
   * The request body when there is no retry (nothing to replay): a filter's replacement, the
   * client's stream counted as it goes, or none.
   */
  const onceBody = (ex: Exchange): Buffer | Readable | AsyncIterable<Buffer> | null => {
    const replaced = ex.body;
    if (replaced !== undefined) {
      if (!Buffer.isBuffer(replaced)) return countedBody(replaced, ex.record);
      ex.record.bytesIn = replaced.length;
      return replaced.length > 0 ? replaced : null;
    }
    return requestHasBody(ex) ? countedBody(ex.req as Readable, ex.record) : null;
  };

  /**
   * The common case, one attempt (no retry policy, no retry budget, no trace span): the same
   * steps as forwardOn's first and last attempt, with a callback instead of promises, so a plain
   * proxied request makes no promise here. Owns the queue slot: leaves it when the attempt ends.
   */
  const single = (ex: Exchange, backend: HttpBackendIR, endpoint: EndpointIR, guard: BackendResilience): void => {
    const queue = guard.queue;
    let owned = true;
    try {
      const headers = buildUpstreamHeaders(ex);
      const body = onceBody(ex);
      const budget = attemptBudget(ex, timeouts);
      if (budget === 'expired') {
        sendGatewayResponse(ex, 504, 'request timeout', 'GW_ERR_REQUEST_TIMEOUT');
        return;
      }
      ex.endpoint = endpoint;
      ex.record.upstreamAddress = endpointAddress(endpoint);
      ex.record.attempts = 1;
      const tracked = leastRequest ? trackRequest(endpoint) : undefined;
      owned = false; // from here the callback leaves the queue, whenever it runs
      startAttempt(ex, {
        pool: pools.get(backend, transports.get(backend)!, endpoint, maxConnections),
        backend,
        endpoint,
        headers,
        body,
        retryCodes: undefined,
        timeoutMs: budget.ms,
        timeoutCode: budget.code,
        idleTimeoutMs: timeouts.idleMs,
      }, (outcome) => {
        try {
          tracked?.();
          const verdict = verdictOf(ex, outcome);
          if (verdict !== undefined) guard.outliers.record(backend, endpoint, verdict);
          if (outcome.kind === 'done') {
            if (outcome.cut !== undefined) observer?.onUpstreamError?.(backend.id, outcome.cut);
          } else if (outcome.kind === 'failed' && !cancelled(ex)) {
            fail(ex, backend, outcome.failure);
          }
          // 'retry-status' needs retry codes, which a single attempt never has.
        } catch (err) {
          handlerFailed(ex, observer, err);
        } finally {
          queue.leave();
        }
      });
    } finally {
      if (owned) queue.leave();
    }
  };
  const simple = retry === undefined && retryBudget === undefined;

  /** After the queue admitted the request: one attempt, or the retry loop. */
  const admitted = (ex: Exchange, backend: HttpBackendIR, endpoint: EndpointIR, pinned: boolean, guard: BackendResilience): Promise<void> | void => {
    if (simple && ex.span === undefined) return single(ex, backend, endpoint, guard);
    return retried(ex, backend, endpoint, pinned, guard);
  };
  const retried = async (ex: Exchange, backend: HttpBackendIR, endpoint: EndpointIR, pinned: boolean, guard: BackendResilience): Promise<void> => {
    try {
      await forward(ex, backend, endpoint, pinned, guard);
    } finally {
      guard.queue.leave();
    }
  };

  /** From the backend's own filters on; synchronous (no promise) unless something has to wait. */
  const toBackend = (ex: Exchange, backend: HttpBackendIR, sticky: ReturnType<NonNullable<typeof session>['lookup']>): Promise<void> | void => {
    const guard = guards.get(backend)!;
    const picker = pickers.get(backend)!;
    // Each further pick (the first choice is ejected) asks a consistent hash for the key's next choice.
    let rank = 0;
    const next = () => picker(ex, rank++);
    const endpoint = sticky?.endpoint ?? guard.outliers.pick(backend, next);
    if (endpoint === undefined) {
      // None left: no endpoints, all failing active health checks, or all ejected (outlier detection).
      if (backend.endpoints.length === 0 || guard.outliers.ejectedCount() === 0) sendGatewayResponse(ex, 503, 'no healthy endpoints', 'GW_ERR_NO_ENDPOINTS');
      else sendGatewayResponse(ex, 503, 'no healthy endpoints', 'GW_ERR_ENDPOINTS_EJECTED');
      return;
    }
    if (session !== undefined) session.issue(ex, backend, endpoint, sticky);
    if (ex.upgrade !== undefined) return upgrade(ex, backend, endpoint);
    // WebSockets above are connections (bounded by --max-connections), not queued requests.
    const entered = guard.queue.enter(ex);
    if (entered === true) return admitted(ex, backend, endpoint, sticky !== undefined, guard);
    return waited(ex, backend, endpoint, sticky, guard, next, entered);
  };

  const upgrade = async (ex: Exchange, backend: HttpBackendIR, endpoint: EndpointIR): Promise<void> => {
    ex.endpoint = endpoint;
    ex.record.upstreamAddress = endpointAddress(endpoint);
    const budget = attemptBudget(ex, timeouts);
    await proxyUpgrade(ex, backend, endpoint, {
      timeoutMs: budget === 'expired' ? 1 : budget.ms,
      onUpstreamError: (code) => observer?.onUpstreamError?.(backend.id, code),
    });
  };

  /** The backend's queue was full of requests in flight: wait for a slot, or answer 503. */
  const waited = async (
    ex: Exchange, backend: HttpBackendIR, first: EndpointIR, sticky: ReturnType<NonNullable<typeof session>['lookup']>,
    guard: BackendResilience, next: () => EndpointIR | undefined, entered: 'queue-full' | Promise<true | Admission>,
  ): Promise<void> => {
    let endpoint = first;
    const admittedNow = entered === 'queue-full' ? entered : await entered;
    if (admittedNow !== true) {
      if (admittedNow === 'aborted') addResponseFlag(ex.record, 'GW_ERR_CLIENT_ABORT');
      else if (admittedNow === 'queue-full') sendGatewayResponse(ex, 503, 'upstream overloaded', 'GW_ERR_QUEUE_FULL');
      else sendGatewayResponse(ex, 503, 'upstream overloaded', 'GW_ERR_QUEUE_TIMEOUT');
      return;
    }
    // It waited: its endpoint may have been ejected meanwhile.
    if (sticky === undefined && guard.outliers.isEjected(endpoint)) {
      const other = guard.outliers.pick(backend, next);
      if (other === undefined) {
        guard.queue.leave();
        sendGatewayResponse(ex, 503, 'no healthy endpoints', 'GW_ERR_ENDPOINTS_EJECTED');
        return;
      }
      endpoint = other;
      ex.endpoint = endpoint;
      ex.record.upstreamAddress = endpointAddress(endpoint);
    }
    await admitted(ex, backend, endpoint, sticky !== undefined, guard);
  };

  const filtered = async (ex: Exchange, backend: HttpBackendIR, sticky: ReturnType<NonNullable<typeof session>['lookup']>): Promise<void> => {
    if (!(await hooks.applyBackendFilters(ex, backend))) return;
    await toBackend(ex, backend, sticky);
  };

  return (ex: Exchange) => {
    const sticky = session?.lookup(ex);
    const backend = sticky?.backend ?? pick(ex);
    if (backend === undefined) {
      sendGatewayResponse(ex, 500, 'no backend available', 'GW_ERR_NO_BACKEND');
      return;
    }
    ex.backend = backend;
    ex.record.backend = backend.id;
    if (backend.invalid !== undefined) {
      sendGatewayResponse(ex, backend.invalid.status || 500, 'backend not available', 'GW_ERR_INVALID_BACKEND');
      return;
    }
    if (anyBackendFilters && backend.filters.length > 0) return filtered(ex, backend, sticky);
    return toBackend(ex, backend, sticky);
  };
}
