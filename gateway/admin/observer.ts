// The data plane's observer as a serving process wires it: request metrics, the access log and,
// when on, tracing. Shared by single-process `serve` and each data-plane worker (--workers N),
// so a worker logs and counts exactly what the single process does.
import type { DataplaneObserver } from '../dataplane/observer.ts';
import { createAccessLog, type AccessLogOptions } from './access-log.ts';
import type { Logger } from './log.ts';
import { errorFields } from './log.ts';
import type { Metrics } from './metrics.ts';
import type { TracingConfig } from './tracing-config.ts';
import { logStream, packageVersion } from '../runtime/index.ts';

export interface ServingObserver {
  observer: DataplaneObserver;
  /** Writes out buffered access-log lines and exports pending spans (at shutdown). */
  close(): Promise<void>;
}

export async function createServingObserver(o: { accessLog: AccessLogOptions; tracing?: TracingConfig; metrics: Metrics; log: Logger }): Promise<ServingObserver> {
  const { metrics, log } = o;
  const accessStream = o.accessLog.mode === 'off' ? undefined : logStream(o.accessLog.mode === 'stdout' ? 1 : 2);
  const accessLog = accessStream && createAccessLog(o.accessLog, accessStream);
  // The OpenTelemetry SDK is loaded only when tracing is on: without it, no cost at all.
  const tracing = o.tracing && (await import('./tracing.ts')).createTracing(o.tracing, packageVersion());
  return {
    observer: {
      tracer: tracing?.tracer,
      onRequest: accessLog === undefined ? (r) => metrics.onRequest(r) : (r) => { metrics.onRequest(r); accessLog(r); },
      onUpstreamError: (b, c) => metrics.onUpstreamError(b, c),
      onRateLimit: (p, k, out) => metrics.onRateLimit(p, k, out),
      onEjection: (b, e) => metrics.onEjection(b, e),
      onEvent: (level, message, fields) => log(level, message, fields),
    },
    async close() {
      accessStream?.flush();
      await tracing?.shutdown().catch((err: unknown) => log('warn', 'trace export at shutdown failed', errorFields(err)));
    },
  };
}
