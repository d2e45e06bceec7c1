// The messages between the control process and its data-plane workers (node:cluster IPC with
// the 'advanced' serialization: structured clone). Everything here is plain data; the routing
// table travels as a v8-serialized TableDelta, encoded once per apply and shared by all workers.
import type { ClientLimitsIR } from '../ir/index.ts';
import type { ApplyResult, DataplaneOptions } from '../dataplane/api.ts';
import type { AccessLogOptions } from '../admin/access-log.ts';
import type { LogLevel } from '../admin/log.ts';
import type { TracingConfig } from '../admin/tracing-config.ts';

/** What a worker needs to serve, sent once, first. No Kubernetes credentials, no provider settings. */
export interface WorkerInit {
  type: 'init';
  /** 1..N, stable for the slot a worker fills (a replacement gets the slot of the one it replaces). */
  worker: number;
  portOffset: number;
  drainTimeoutMs: number;
  /** The gateway-wide client limits, maxConnections already divided among the workers. */
  clientLimits?: ClientLimitsIR;
  /** The session-persistence HMAC key: the same for every worker, so any of them accepts a session. */
  sessionKey: Uint8Array;
  reusePort: boolean;
  accessLog: AccessLogOptions;
  logLevel: LogLevel;
  tracing?: TracingConfig;
  /** Where global rate limits count (--rate-limit-redis): every worker talks to the same Redis. */
  rateLimit?: DataplaneOptions['rateLimit'];
  /** Outlier detection and per-backend queue defaults (flags): each worker applies them to its own traffic. */
  upstream?: DataplaneOptions['upstream'];
}

export type ToWorker =
  | WorkerInit
  /** payload: v8.serialize(TableDelta) */
  | { type: 'apply'; seq: number; payload: Uint8Array }
  | { type: 'drain' }
  | { type: 'close'; drainMs: number }
  | { type: 'metrics'; seq: number };

export type FromWorker =
  /** Init done: the worker can take a table. */
  | { type: 'ready' }
  | { type: 'applied'; seq: number; result: ApplyResult }
  /** The delta could not be decoded or applied; `error` says why (the control process sends the full table). */
  | { type: 'apply-failed'; seq: number; error: string }
  /** prom-client's getMetricsAsJSON() of the worker's registry. */
  | { type: 'metrics'; seq: number; metrics: unknown[] };
