// What the data plane tells the outside world. Injected so the data plane needs no metrics
// or logging library of its own and imports nothing beyond gateway/ir.
import type { ResponseFlag } from './response-flags.ts';

export interface AccessRecord {
  time: string;
  gateway: string;
  listener: string;
  protocol: 'HTTP/1.1' | 'HTTP/2' | string;
  method: string;
  host: string;
  path: string;
  route?: string;
  rule?: string;
  backend?: string;
  endpoint?: string;
  status: number;
  /** Total time from first byte in to last byte out. */
  durationMs: number;
  /** Time to the upstream response head, when proxied. */
  upstreamMs?: number;
  bytesIn: number;
  bytesOut: number;
  attempts?: number;
  /** Why the request did not simply go upstream and back (no route, timeout, retried upstream
   *  failure...), in the order it happened; the codes are listed in response-flags.ts. */
  responseFlags?: ResponseFlag[];
}

export interface DataplaneObserver {
  /** Called once per finished request (HTTP) or connection (L4). Must not throw. */
  onRequest?(record: AccessRecord): void;
  /** Upstream connection/protocol failures, for the upstream-error counter. */
  onUpstreamError?(backend: string, code: string): void;
  /** Non-request events worth a log line (bind failures, TLS errors, reloads). */
  onEvent?(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
}
