import type { ClientLimitsIR } from './limits.ts';
import type { OutlierDetectionIR } from './upstream.ts';

// TrafficPolicy's request-path settings as the data plane reads them: already resolved per rule
// (inheritance Gateway → listener → route → rule happens before the IR is built), plain
// structured-cloneable data. The data plane compiles it (buckets, scripts, matchers) on its side.

/** A request attribute that splits a rate limit into one counter per distinct value. */
export type RateLimitKeyIR =
  | { type: 'ClientIP' }
  /** A request header (lower-case name); a request without it is not counted by this limit. */
  | { type: 'Header'; name: string }
  /** A verified JWT claim (dotted path into the claims); unverified requests are not counted. */
  | { type: 'JWTClaim'; claim: string }
  /** The API key the client presented in this header (hashed before it reaches a counter key). */
  | { type: 'APIKey'; header: string }
  | { type: 'Path' }
  | { type: 'Method' };

export interface RateLimitRuleIR {
  /** Requests allowed per window (local: the bucket size, refilled at this rate). */
  requests: number;
  windowMs: number;
  /** One counter per distinct combination of these values; empty: one counter for the rule. */
  keys: RateLimitKeyIR[];
}

export interface RateLimitIR {
  /** Stable id of the policy and rule it came from ("TrafficPolicy/ns/name"), part of every counter key. */
  id: string;
  /** Token buckets in each gateway process (see docs/architecture.md for workers). */
  local?: RateLimitRuleIR[];
  /** Fixed windows counted in Redis, shared by every gateway process using it. */
  global?: RateLimitRuleIR[];
  /** Count and report (headers, metric) but never answer 429. */
  shadow: boolean;
  /** Global only: when Redis cannot answer, let requests through (true) or answer 503 (false). */
  failOpen: boolean;
  /** Send X-RateLimit-Limit/-Remaining/-Reset (and Retry-After on 429). */
  headers: boolean;
}

export type CompressionAlgorithm = 'br' | 'gzip' | 'zstd';

export interface CompressionIR {
  /** Offered algorithms in the gateway's order of preference (used on Accept-Encoding ties). */
  algorithms: CompressionAlgorithm[];
  /** Responses with a known length below this are sent as they are. */
  minBytes: number;
  /** Media types compressed ("text/html", "text/*"); empty: the default text-like set. */
  contentTypes: string[];
}

export interface FixedResponseIR {
  status: number;
  /** Original spelling kept; set in this order. */
  headers: { name: string; value: string }[];
  body?: string;
}

export interface ResponseOverrideIR {
  /** Statuses replaced: exact codes and inclusive ranges. */
  match: { codes: number[]; ranges: { from: number; to: number }[] };
  response: FixedResponseIR;
}


/** The cookie a Cookie consistent hash sets for a client without one (attributes already defaulted). */
export interface HashCookieIR {
  /** Max-Age in seconds; absent: a session cookie. */
  maxAgeS?: number;
  path: string;
  domain?: string;
  /** true/false as configured; undefined: Secure when the request came over HTTPS. */
  secure?: boolean;
  httpOnly: boolean;
  sameSite: 'Strict' | 'Lax' | 'None';
}

/** How a backend's endpoint is chosen for each request (TrafficPolicy loadBalancer). */
export type LoadBalancerIR =
  | { type: 'RoundRobin' }
  /** Two endpoints drawn at random, the one with fewer requests in flight from this process wins. */
  | { type: 'LeastRequest' }
  /**
   * The same key goes to the same backend and endpoint while the sets are unchanged (weighted
   * rendezvous hashing). A Cookie hash with `issue` gives a client without the cookie a new one.
   */
  | { type: 'ConsistentHash'; hashOn: { type: 'Header'; name: string } | { type: 'Cookie'; name: string; issue?: HashCookieIR } | { type: 'SourceIP' } };

/** Active health checking of a backend's endpoints (TrafficPolicy healthCheck.active). */
export interface ActiveHealthCheckIR {
  probe:
    | { type: 'HTTP'; path: string; method: string; host?: string; expectedStatuses: { from: number; to: number }[] }
    /** Connects; with `send`, writes it and expects a reply containing `receive` (both UTF-8). */
    | { type: 'TCP'; send?: string; receive?: string }
    /** grpc.health.v1.Health/Check; SERVING is healthy. */
    | { type: 'GRPC'; service: string };
  intervalMs: number;
  timeoutMs: number;
  /** Consecutive passes that make an unhealthy endpoint healthy again. */
  healthyThreshold: number;
  /** Consecutive failures that make an endpoint unhealthy. */
  unhealthyThreshold: number;
}

export interface CircuitBreakerIR {
  /** Connections one gateway process keeps open to each endpoint at most. */
  maxConnections?: number;
  /** Requests in flight to one backend (per process); more wait as pending. */
  maxParallelRequests?: number;
  /** Requests that may wait for a slot; more are answered 503. */
  maxPendingRequests?: number;
  /** Retries in flight to a backend, as a share of its active requests (Envoy's retry budget). */
  retryBudget?: { percent: number; minRetryConcurrency: number };
}

export interface TrafficHealthCheckIR {
  active?: ActiveHealthCheckIR;
  /** Outlier detection on live traffic: overrides the gateway's --outlier-* defaults for the rule's backends. */
  passive?: OutlierDetectionIR;
}

/**
 * The effective TrafficPolicy of one rule (inheritance resolved, section by section). The
 * backend sections (circuitBreaker, healthCheck, loadBalancer) act on every backend of the rule.
 */
export interface TrafficPolicyIR {
  /** Where each section came from: "Kind/namespace/name@level". */
  sources?: Record<string, string>;
  rateLimit?: RateLimitIR;
  /** requestBody.maxSize, as the ClientLimitsIR that flags and listeners use too. */
  requestBody?: ClientLimitsIR;
  compression?: CompressionIR;
  /** Answer every request of the rule with this, nothing is forwarded. */
  directResponse?: FixedResponseIR;
  /** Replace answers (upstream's or the gateway's own) whose status matches, first match wins. */
  responseOverride?: ResponseOverrideIR[];
  circuitBreaker?: CircuitBreakerIR;
  healthCheck?: TrafficHealthCheckIR;
  loadBalancer?: LoadBalancerIR;
}
