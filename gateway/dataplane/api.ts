// The data plane's public surface, used by gateway/pipeline.ts.
import type { ClientLimitsIR, ListenerSourceIR, RoutingTable, UpstreamResilienceIR } from '../ir/index.ts';
import type { DataplaneObserver } from './observer.ts';

export interface DataplaneOptions {
  /** Listener port p is served on p + portOffset (unprivileged local runs). @default 0 */
  portOffset?: number;
  observer?: DataplaneObserver;
  /**
   * HMAC key for session-persistence values. Replicas behind one Service must share it, or a
   * session issued by one replica is re-balanced by the next. @default random per process
   */
  sessionKey?: Buffer;
  /**
   * How long a removed listener's open connections (requests, streams, WebSockets, TCP) may
   * run before they are cut, and the default for close(). @default 30000 (`--drain-timeout`)
   */
  drainTimeoutMs?: number;
  /** Gateway-wide client limits (flags); a listener's own ClientLimitsIR overrides them. */
  clientLimits?: ClientLimitsIR;
  /**
   * Where global rate limits count (`--rate-limit-redis`). Without a Redis URL, global limits
   * behave as when Redis is unreachable: fail open or answer 503, as each policy says.
   */
  rateLimit?: { redisUrl?: string; keyPrefix?: string; commandTimeoutMs?: number };
  /** Gateway-wide outlier detection and per-backend queue settings (flags); per process. */
  upstream?: UpstreamResilienceIR;
  /**
   * Bind every listening socket with SO_REUSEPORT, so several data-plane worker processes
   * (`--workers N`) each hold their own socket on the same port and the kernel spreads
   * connections (TCP) and flows (UDP, by address hash) over them. @default false
   */
  reusePort?: boolean;
}

export interface BoundSocket {
  gateway: string;
  address: string;
  /** The listener port as configured (before the offset). */
  port: number;
  /** The port actually bound. */
  boundPort: number;
  transport: 'tcp' | 'udp';
}

export interface ApplyResult {
  listening: BoundSocket[];
  /** Sockets that could not be opened (EADDRINUSE, EACCES...): the rest of the table still applies. */
  errors: { gateway: string; address: string; port: number; message: string }[];
  /**
   * Listeners the data plane could not load (a certificate OpenSSL refuses, a filter that fails
   * to build): each is left out on its own, the rest of its port and of the table still serve.
   */
  listenerErrors?: ListenerFault[];
}

export interface ListenerFault {
  gateway: string;
  /** ListenerIR.id */
  listener: string;
  source: ListenerSourceIR;
  port: number;
  message: string;
}

/**
 * Every GatewayIR in the table passed to apply() must have its addresses filled in (the
 * pipeline assigns them); each of its ports is bound on each address.
 */
export interface Dataplane {
  /** Compiles the table and swaps it in atomically; opens/closes/re-certifies sockets by diff. */
  apply(table: RoutingTable): Promise<ApplyResult>;
  /** The table currently served. */
  current(): RoutingTable | undefined;
  /**
   * Starts a drain without closing anything: every listener keeps accepting, HTTP/1.1 answers
   * carry `Connection: close` and HTTP/2 sessions get GOAWAY (their open streams finish).
   */
  drain(): void;
  /** Stops accepting; open connections finish within `drainMs` (default drainTimeoutMs), then are cut. */
  close(drainMs?: number): Promise<void>;
}
