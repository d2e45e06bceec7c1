// The registry of response flags: the gateway's own codes for why a request or connection did
// not simply go to an upstream and back. Every flag the data plane can put in an access record
// is listed here with its meaning, so the log, the metrics and the README speak one vocabulary.
// Add a new code here (and to the README table) before using it anywhere else.

export const ResponseFlag = {
  // Client side: the request itself.
  BAD_REQUEST: 'GW_ERR_BAD_REQUEST',
  CLIENT_ABORT: 'GW_ERR_CLIENT_ABORT',
  MISDIRECTED: 'GW_ERR_MISDIRECTED_REQUEST',
  REQUEST_TIMEOUT: 'GW_ERR_REQUEST_TIMEOUT',
  HEADERS_TOO_LARGE: 'GW_ERR_HEADERS_TOO_LARGE',
  BODY_TOO_LARGE: 'GW_ERR_BODY_TOO_LARGE',
  // Routing: nothing (valid) to send it to.
  NO_ROUTE: 'GW_ERR_NO_ROUTE',
  RULE_INVALID: 'GW_ERR_RULE_INVALID',
  NO_BACKEND: 'GW_ERR_NO_BACKEND',
  INVALID_BACKEND: 'GW_ERR_INVALID_BACKEND',
  NO_ENDPOINTS: 'GW_ERR_NO_ENDPOINTS',
  NO_HEALTHY_UPSTREAM: 'GW_ERR_NO_HEALTHY_UPSTREAM',
  ENDPOINTS_EJECTED: 'GW_ERR_ENDPOINTS_EJECTED',
  QUEUE_FULL: 'GW_ERR_QUEUE_FULL',
  QUEUE_TIMEOUT: 'GW_ERR_QUEUE_TIMEOUT',
  // Upstream faults.
  UPSTREAM_CONNECT: 'GW_ERR_UPSTREAM_CONNECT',
  UPSTREAM_CONNECT_TIMEOUT: 'GW_ERR_UPSTREAM_CONNECT_TIMEOUT',
  UPSTREAM_RESET: 'GW_ERR_UPSTREAM_RESET',
  UPSTREAM_TIMEOUT: 'GW_ERR_UPSTREAM_TIMEOUT',
  UPSTREAM_TLS: 'GW_ERR_UPSTREAM_TLS',
  UPSTREAM_PROTOCOL: 'GW_ERR_UPSTREAM_PROTOCOL',
  STREAM: 'GW_ERR_STREAM',
  WEBSOCKET_MESSAGE_TOO_BIG: 'GW_ERR_WEBSOCKET_MESSAGE_TOO_BIG',
  // Filters.
  EXT_AUTH_DENIED: 'GW_ERR_EXT_AUTH_DENIED',
  EXT_AUTH_UNAVAILABLE: 'GW_ERR_EXT_AUTH_UNAVAILABLE',
  EXT_AUTH_BODY_TOO_LARGE: 'GW_ERR_EXT_AUTH_BODY_TOO_LARGE',
  RATE_LIMITED: 'GW_ERR_RATE_LIMITED',
  RATE_LIMIT_UNAVAILABLE: 'GW_ERR_RATE_LIMIT_UNAVAILABLE',
  // SecurityPolicy.
  UNAUTHORIZED: 'GW_ERR_UNAUTHORIZED',
  FORBIDDEN: 'GW_ERR_FORBIDDEN',
  // The gateway itself.
  INTERNAL: 'GW_ERR_INTERNAL',
} as const;

export type ResponseFlag = (typeof ResponseFlag)[keyof typeof ResponseFlag];

/** One line per flag: what happened. The README's table of flags is checked against this by a test. */
export const RESPONSE_FLAG_MEANINGS: Readonly<Record<ResponseFlag, string>> = {
  GW_ERR_BAD_REQUEST: 'the request was malformed (missing or invalid Host, an invalid escape or an encoded slash in the path); answered 400',
  GW_ERR_CLIENT_ABORT: 'the client went away before the response was complete',
  GW_ERR_MISDIRECTED_REQUEST: 'the Host belongs to another listener than the TLS connection (SNI); answered 421',
  GW_ERR_REQUEST_TIMEOUT: 'the rule\'s request timeout ran out; answered 504',
  GW_ERR_HEADERS_TOO_LARGE: 'more request header fields or bytes than --max-request-headers or --max-request-header-bytes allow; answered 431',
  GW_ERR_BODY_TOO_LARGE: 'the request body is larger than the listener\'s or route\'s maxRequestBodyBytes (TrafficPolicy requestBody.maxSize); answered 413',
  GW_ERR_NO_ROUTE: 'no listener, hostname or rule matched; answered 404 (L4: connection refused)',
  GW_ERR_RULE_INVALID: 'the matched rule is invalid (e.g. an unresolved reference); answered 500',
  GW_ERR_NO_BACKEND: 'the rule has no backend with a non-zero weight; answered 500',
  GW_ERR_INVALID_BACKEND: 'the picked backend is invalid (not found, not permitted); answered 500',
  GW_ERR_NO_ENDPOINTS: 'the picked backend has no endpoints; answered 503',
  GW_ERR_NO_HEALTHY_UPSTREAM: 'an L4 backend has no endpoints; the connection was closed',
  GW_ERR_ENDPOINTS_EJECTED: 'every endpoint of the picked backend is ejected by outlier detection and the panic threshold is 0; answered 503',
  GW_ERR_QUEUE_FULL: 'the backend has --upstream-max-requests in flight and --upstream-max-pending waiting; answered 503',
  GW_ERR_QUEUE_TIMEOUT: 'the request waited --upstream-queue-timeout for a free slot of the backend; answered 503',
  GW_ERR_UPSTREAM_CONNECT: 'connecting to the upstream failed (refused, unreachable); 502 unless a retry succeeded',
  GW_ERR_UPSTREAM_CONNECT_TIMEOUT: 'connecting to an L4 upstream timed out',
  GW_ERR_UPSTREAM_RESET: 'the upstream reset the connection or stream; 502 unless a retry succeeded',
  GW_ERR_UPSTREAM_TIMEOUT: 'the backend request timeout (or idle timeout) ran out; answered 504',
  GW_ERR_UPSTREAM_TLS: 'the TLS handshake with the upstream failed (BackendTLSPolicy); answered 502',
  GW_ERR_UPSTREAM_PROTOCOL: 'the upstream broke the protocol; answered 502, or the response was cut',
  GW_ERR_STREAM: 'an L4 stream or flow failed after it was established',
  GW_ERR_WEBSOCKET_MESSAGE_TOO_BIG: 'a WebSocket client sent a message larger than --websocket-max-message-bytes; closed with 1009',
  GW_ERR_EXT_AUTH_DENIED: 'the external authorization service denied the request',
  GW_ERR_EXT_AUTH_UNAVAILABLE: 'the external authorization service could not be reached or failed; answered 500',
  GW_ERR_EXT_AUTH_BODY_TOO_LARGE: 'the body is larger than ExternalAuth forwardBody.maxSize; answered 413',
  GW_ERR_RATE_LIMITED: 'a TrafficPolicy rate limit (local or global) was exceeded; answered 429 with Retry-After',
  GW_ERR_RATE_LIMIT_UNAVAILABLE: 'Redis could not count a global rate limit and the policy does not fail open; answered 503',
  GW_ERR_UNAUTHORIZED: 'a SecurityPolicy (jwt, basicAuth, apiKeyAuth, oidc) found no valid credentials; answered 401 (503 when the OIDC provider is unreachable)',
  GW_ERR_FORBIDDEN: 'a SecurityPolicy refused the request (an authorization rule or the default action, a missing JWT scope or claim); answered 403',
  GW_ERR_INTERNAL: 'a gateway bug: the handler threw; answered 500',
};

/** Records a flag on an access record, once; the list keeps the order the events happened in. */
export function addResponseFlag(rec: { responseFlags?: ResponseFlag[] }, flag: ResponseFlag): void {
  const list = rec.responseFlags;
  if (list === undefined) rec.responseFlags = [flag];
  else if (!list.includes(flag)) list.push(flag);
}
