// Client-facing hygiene and limits: one structure, so that the gateway-wide defaults (flags) and a
// per-listener override (a later TrafficPolicy) are the same shape and merge field by field.
// Every field is optional here: absent means "the gateway's default".

/**
 * What to do with an encoded slash or backslash (%2F, %5C, or a raw "\") in a request path:
 * - Reject: 400 (default; a backend may decode it into a separator and see another path than the one routed),
 * - Keep: leave %2F and %5C encoded (a raw "\" becomes %5C) and route on the encoded form,
 * - DecodeAndRedirect: redirect (308) the client to the path with them decoded to "/".
 */
export type EncodedSlashAction = 'Reject' | 'Keep' | 'DecodeAndRedirect';

export interface ClientLimitsIR {
  path?: {
    encodedSlash?: EncodedSlashAction;
  };
  /**
   * Largest WebSocket message (one data frame, or the frames of a fragmented message) a client may
   * send through the gateway; a bigger one closes the connection with 1009. 0 = no limit. Per listener.
   */
  maxWebSocketMessageBytes?: number;
  /** Largest request body in bytes, answered 413 when exceeded; 0 = no limit. Per listener. */
  maxRequestBodyBytes?: number;
  // The fields below act on connections, before a Host picks a listener: they are read from the
  // gateway-wide defaults (one port serves several listeners), and a listener's value is ignored.
  /** Request head size (HTTP/1.1 head, HTTP/2 header list); answered 431 when exceeded. */
  maxRequestHeaderBytes?: number;
  /** Number of request header fields; answered 431 when exceeded. */
  maxRequestHeaders?: number;
  /** Open connections per listening socket; more are accepted and closed at once. 0 = no limit. */
  maxConnections?: number;
  /** Requests served on one HTTP/1.1 connection (then `Connection: close`); 0 = no limit. */
  maxRequestsPerConnection?: number;
  /** Time to receive a whole request head (slowloris); answered 408. */
  headersTimeoutMs?: number;
  /** Time to receive a whole request, head and body (slow POST); answered 408. */
  requestTimeoutMs?: number;
  /** Idle time allowed on a kept-alive connection between requests (HTTP/1.1 and HTTP/2). */
  idleTimeoutMs?: number;
  /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS. */
  http2MaxConcurrentStreams?: number;
  /**
   * Streams an HTTP/2 client may reset before they are answered (rapid reset, CVE-2023-44487):
   * beyond this, and when they are more than half of its streams, the session gets GOAWAY
   * ENHANCE_YOUR_CALM and is closed.
   */
  http2MaxPrematureResets?: number;
}
