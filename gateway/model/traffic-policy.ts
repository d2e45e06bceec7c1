// TrafficPolicy (policy.portico.dev/v1alpha1): rate limits, request body limits, compression,
// direct and override responses, circuit breaking, health checks and load balancing, attached
// like every Portico policy (GEP-713 targetRefs; inheritance Gateway → listener → route → rule,
// section by section). The CRD is generated from these types (scripts/gen-policy-crds.ts).
import type { PolicyStatus, PolicyTargetReference } from './policies.ts';
import type { KubeObject } from './resources.ts';

export const TRAFFIC_POLICY_SECTIONS = [
  'rateLimit', 'requestBody', 'compression', 'directResponse', 'responseOverride', 'circuitBreaker', 'healthCheck', 'loadBalancer',
] as const;
export type TrafficPolicySection = (typeof TRAFFIC_POLICY_SECTIONS)[number];

/** A request attribute that gives each distinct value its own counter. */
export interface RateLimitSelector {
  type: 'ClientIP' | 'Header' | 'JWTClaim' | 'APIKey' | 'Path' | 'Method';
  /**
   * Header: the header name. JWTClaim: the claim (dotted path, e.g. "org.id"). APIKey: the header
   * carrying the key (default "x-api-key"; only a digest of it is ever stored).
   * @maxLength 256
   */
  name?: string;
}

export interface RateLimitRule {
  limit: {
    /**
     * @minimum 1
     * @maximum 1000000000
     */
    requests: number;
    unit: 'Second' | 'Minute' | 'Hour' | 'Day';
  };
  /**
   * One counter per distinct combination of these values; none: one counter for all requests.
   * A request lacking one of the values is not counted by this rule.
   * @maxItems 8
   */
  selectors?: RateLimitSelector[];
}

export interface RateLimitSpec {
  /** Token buckets in each gateway process (per worker and replica: see docs/architecture.md). */
  local?: {
    /**
     * @minItems 1
     * @maxItems 16
     */
    rules: RateLimitRule[];
  };
  /** Fixed windows counted in Redis (`--rate-limit-redis`), shared by every replica and worker. */
  global?: {
    /**
     * @minItems 1
     * @maxItems 16
     */
    rules: RateLimitRule[];
    /** When Redis cannot answer: let requests through (true, default) or answer 503 (false). */
    failOpen?: boolean;
  };
  /** Count and report (metric) without ever answering 429. Default false. */
  shadow?: boolean;
  /** Send X-RateLimit-Limit/-Remaining/-Reset. Default true. */
  headers?: boolean;
}

export interface RequestBodySpec {
  /**
   * Largest request body, a Kubernetes quantity ("10Mi", "512k", "1000000"); larger ones are answered
   * 413 without reading the rest. Overrides the gateway's --max-request-body-bytes and a listener's limit.
   * @pattern ^[0-9]+(\.[0-9]+)?([KMGT]i?|[kmgt])?$
   * @maxLength 32
   */
  maxSize: string;
}

export interface CompressionSpec {
  /**
   * Offered encodings in order of preference; default Brotli, Gzip (Zstd where the runtime has it).
   * @maxItems 3
   */
  algorithms?: ('Brotli' | 'Gzip' | 'Zstd')[];
  /**
   * Responses whose Content-Length is below this many bytes are sent as they are. Default 1024.
   * @minimum 0
   */
  minContentLength?: number;
  /**
   * Media types to compress ("text/html", "text/*"); default: text and JSON/JavaScript/XML/SVG/wasm.
   * @maxItems 32
   */
  contentTypes?: string[];
}

export interface HeaderValue {
  /**
   * @minLength 1
   * @maxLength 256
   * @pattern ^[A-Za-z0-9!#$%&'*+.^_`|~-]+$
   */
  name: string;
  /** @maxLength 4096 */
  value: string;
}

export interface CustomResponse {
  /**
   * @minimum 200
   * @maximum 599
   */
  statusCode: number;
  /** @maxItems 16 */
  headers?: HeaderValue[];
  /**
   * The body, sent as is (set a content-type header for anything but plain text).
   * @maxLength 65536
   */
  body?: string;
}

export interface StatusCodeMatch {
  type: 'Value' | 'Range';
  /**
   * @minimum 100
   * @maximum 599
   */
  value?: number;
  range?: {
    /**
     * @minimum 100
     * @maximum 599
     */
    start: number;
    /**
     * @minimum 100
     * @maximum 599
     */
    end: number;
  };
}

export interface ResponseOverride {
  match: {
    /**
     * @minItems 1
     * @maxItems 16
     */
    statusCodes: StatusCodeMatch[];
  };
  response: CustomResponse;
}

export interface CircuitBreakerSpec {
  /**
   * Connections each gateway process keeps to one endpoint at most.
   * @minimum 1
   */
  maxConnections?: number;
  /**
   * Requests in flight to the backend (each process); more wait as pending requests.
   * @minimum 1
   */
  maxParallelRequests?: number;
  /**
   * Requests that may wait for a slot; more are answered 503 at once.
   * @minimum 0
   */
  maxPendingRequests?: number;
  retryBudget?: {
    /**
     * Retries in flight as a share of active requests, in percent. Default 20.
     * @minimum 0
     * @maximum 100
     */
    percent?: number;
    /**
     * Retries always allowed in flight, whatever the share. Default 3.
     * @minimum 0
     */
    minRetryConcurrency?: number;
  };
}

export interface ActiveHealthCheckSpec {
  type: 'HTTP' | 'TCP' | 'GRPC';
  /**
   * Default "5s".
   * @pattern ^([0-9]{1,5}(h|m|s|ms)){1,4}$
   */
  interval?: string;
  /**
   * Default "1s".
   * @pattern ^([0-9]{1,5}(h|m|s|ms)){1,4}$
   */
  timeout?: string;
  /**
   * Passes in a row that make an unhealthy endpoint healthy again. Default 1.
   * @minimum 1
   */
  healthyThreshold?: number;
  /**
   * Failures in a row that take an endpoint out. Default 3.
   * @minimum 1
   */
  unhealthyThreshold?: number;
  http?: {
    /**
     * @pattern ^/
     * @maxLength 1024
     */
    path: string;
    /** Default GET. */
    method?: 'GET' | 'HEAD' | 'POST' | 'OPTIONS';
    /** Host header; default the Service name. @maxLength 253 */
    hostname?: string;
    /**
     * Healthy statuses; default 200-299.
     * @maxItems 16
     */
    expectedStatuses?: StatusCodeMatch[];
  };
  tcp?: {
    /** Written after connecting (UTF-8). @maxLength 1024 */
    send?: string;
    /** Expected somewhere in the reply (UTF-8). @maxLength 1024 */
    receive?: string;
  };
  grpc?: {
    /** The grpc.health.v1 service name; default "" (the server as a whole). @maxLength 256 */
    service?: string;
  };
}

export interface PassiveHealthCheckSpec {
  /** @minimum 0 */
  consecutive5xx?: number;
  /** @minimum 0 */
  consecutiveGatewayFailure?: number;
  /** @minimum 0 */
  consecutiveLocalOriginFailure?: number;
  /** @pattern ^([0-9]{1,5}(h|m|s|ms)){1,4}$ */
  baseEjectionTime?: string;
  /** @pattern ^([0-9]{1,5}(h|m|s|ms)){1,4}$ */
  maxEjectionTime?: string;
  /**
   * @minimum 0
   * @maximum 100
   */
  maxEjectionPercent?: number;
}

export interface HealthCheckSpec {
  active?: ActiveHealthCheckSpec;
  /** Outlier detection on live traffic (shared with the gateway's --outlier-* defaults). */
  passive?: PassiveHealthCheckSpec;
}

/**
 * The cookie a Cookie consistent hash issues to a client that has none: a random value (128 bits
 * from a CSPRNG) set on the response, and the request is hashed by it, so the client sticks to
 * its endpoint from its first request. The value only feeds the hash (any value works, on any
 * gateway process or replica): it names no endpoint and carries nothing to protect.
 */
export interface ConsistentHashCookieSpec {
  /**
   * Issue the cookie when a request has none (default true). Set false when the cookie is the
   * application's own (its session cookie): requests without it are then spread round-robin.
   */
  generate?: boolean;
  /**
   * Max-Age of the issued cookie; absent: a session cookie (the browser drops it when it closes).
   * @pattern ^([0-9]{1,5}(h|m|s|ms)){1,4}$
   */
  ttl?: string;
  /**
   * Path attribute. Default "/".
   * @pattern ^/[^;\s]*$
   * @maxLength 1024
   */
  path?: string;
  /**
   * Domain attribute. Default none (the cookie goes back to the host that set it only).
   * @pattern ^\.?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?$
   * @maxLength 253
   */
  domain?: string;
  /** Secure attribute. Default: set when the request came over HTTPS (and always with SameSite=None). */
  secure?: boolean;
  /** HttpOnly attribute (scripts cannot read it). Default true. */
  httpOnly?: boolean;
  /** SameSite attribute. Default Lax; None requires Secure. */
  sameSite?: 'Strict' | 'Lax' | 'None';
}

export interface LoadBalancerSpec {
  type: 'RoundRobin' | 'LeastRequest' | 'ConsistentHash';
  consistentHash?: {
    type: 'Header' | 'Cookie' | 'SourceIP';
    /** Header or cookie name. @maxLength 256 */
    name?: string;
    /** type Cookie: the cookie the gateway issues to clients without one. */
    cookie?: ConsistentHashCookieSpec;
  };
}

export interface TrafficPolicySpec {
  /**
   * @minItems 1
   * @maxItems 16
   */
  targetRefs: PolicyTargetReference[];
  /**
   * Sections inherited from a less specific target that are turned off here.
   * @maxItems 8
   */
  disable?: TrafficPolicySection[];
  rateLimit?: RateLimitSpec;
  requestBody?: RequestBodySpec;
  compression?: CompressionSpec;
  /** Answer every request with this, nothing is forwarded. */
  directResponse?: CustomResponse;
  /**
   * Replace answers whose status matches (the backend's or the gateway's own); first match wins.
   * @maxItems 16
   */
  responseOverride?: ResponseOverride[];
  circuitBreaker?: CircuitBreakerSpec;
  healthCheck?: HealthCheckSpec;
  loadBalancer?: LoadBalancerSpec;
}

export type TrafficPolicy = KubeObject<TrafficPolicySpec, PolicyStatus>;
