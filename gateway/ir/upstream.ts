// Upstream resilience settings: passive outlier detection and the per-backend bound on requests
// and pending (queued) requests. Plain data, every field optional (absent = the gateway's
// default from flags), so a per-backend override (a later TrafficPolicy: circuitBreaker,
// healthCheck.passive) is the same shape and merges field by field, like ClientLimitsIR.

export interface OutlierDetectionIR {
  /**
   * Consecutive failures to get an answer from one endpoint (connect refused, reset, timeout,
   * TLS failure) that eject it. 0 = off. (Envoy's consecutive_local_origin_failure.)
   */
  consecutiveLocalOriginFailure?: number;
  /** Consecutive 5xx answers or failures to get one that eject an endpoint. 0 = off. (Envoy's consecutive_5xx.) */
  consecutive5xx?: number;
  /**
   * Consecutive gateway failures that eject an endpoint: 502, 503, 504 answers and connect
   * failures, resets and timeouts only. 0 = off. (Envoy's consecutive_gateway_failure.)
   */
  consecutiveGatewayFailure?: number;
  /** First ejection's length; the n-th ejection in a row lasts n times this (capped). */
  baseEjectionMs?: number;
  /** Longest ejection. */
  maxEjectionMs?: number;
  /**
   * Share of a backend's endpoints that may be ejected at once (at least one). Beyond it an
   * endpoint is ejected only when every endpoint of the backend is failing.
   */
  maxEjectionPercent?: number;
  /**
   * Panic threshold (Envoy's healthy_panic_threshold): when fewer than this share of a backend's
   * endpoints are in rotation, ejections are ignored and requests go to every endpoint, ejected
   * ones included, instead of being answered 503. 0 = never (all ejected: 503 at once).
   */
  panicThresholdPercent?: number;
}

export interface BackendQueueIR {
  /** Requests in flight to one backend (all its endpoints); more wait in the queue. 0 = no limit. */
  maxRequests?: number;
  /** Requests that may wait for a slot; more are answered 503 at once. */
  maxPending?: number;
  /** How long a request may wait in the queue before it is answered 503. */
  queueTimeoutMs?: number;
}

export interface UpstreamResilienceIR {
  outlierDetection?: OutlierDetectionIR;
  queue?: BackendQueueIR;
}
