// Tracing with the OpenTelemetry JS SDK: a server span per request (continuing the client's W3C
// trace context), a client span per upstream attempt, WebSocket handshake and external-auth
// call, exported over OTLP HTTP/protobuf in batches. This file is imported only when tracing is
// on (serve.ts loads it with import()), so a gateway without tracing never loads the SDK.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, defaultTextMapSetter, trace, type Attributes, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider, type Sampler } from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { AccessRecord, ChildSpan, RequestSpan, RequestTracer } from '../dataplane/observer.ts';
import type { TracingConfig } from './tracing-config.ts';

export interface Tracing {
  tracer: RequestTracer;
  /** Exports what is still queued, then stops. */
  shutdown(): Promise<void>;
}

function sampler(cfg: TracingConfig): Sampler {
  const root = cfg.ratio >= 1 ? new AlwaysOnSampler() : cfg.ratio <= 0 ? new AlwaysOffSampler() : new TraceIdRatioBasedSampler(cfg.ratio);
  return cfg.parentBased ? new ParentBasedSampler({ root }) : root;
}

/** Attributes of the request span known when it ends (Gateway API names under gateway_api.*). */
function endAttributes(r: AccessRecord): Attributes {
  const a: Attributes = { 'gateway_api.listener': r.listener, 'http.response.status_code': r.status };
  if (r.route !== undefined) a['gateway_api.route'] = r.route;
  if (r.rule !== undefined) a['gateway_api.rule'] = r.rule;
  if (r.ruleName !== undefined) a['gateway_api.rule_name'] = r.ruleName;
  if (r.backend !== undefined) a['gateway_api.backend'] = r.backend;
  if (r.upstreamAddress !== undefined) a['portico.upstream_address'] = r.upstreamAddress;
  if (r.grpcStatus !== undefined) a['rpc.grpc.status_code'] = r.grpcStatus;
  if (r.responseFlags !== undefined) a['portico.response_flags'] = r.responseFlags.join(',');
  if (r.attempts !== undefined) a['portico.attempts'] = r.attempts;
  return a;
}

export function createTracing(cfg: TracingConfig, version: string): Tracing {
  const resource = resourceFromAttributes({ 'service.name': 'portico', 'service.version': version })
    .merge(detectResources({ detectors: [envDetector] }));
  const exporter = new OTLPTraceExporter(cfg.url === undefined ? {} : { url: cfg.url });
  const provider = new TracerProvider({
    resource,
    sampler: sampler(cfg),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: cfg.scheduleDelayMs, maxQueueSize: cfg.maxQueueSize, maxExportBatchSize: Math.min(512, cfg.maxQueueSize) })],
  });
  const tracer = provider.getTracer('portico');
  const propagator = new W3CTraceContextPropagator();

  function child(parent: Span, name: string, attributes: Attributes): ChildSpan {
    const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, trace.setSpan(ROOT_CONTEXT, parent));
    const headers: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, defaultTextMapSetter);
    return {
      headers: headers as ChildSpan['headers'],
      end(result) {
        if (result.status !== undefined) span.setAttribute('http.response.status_code', result.status);
        if (result.error !== undefined) {
          span.setAttribute('error.type', result.error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: result.error });
        } else if (result.status !== undefined && result.status >= 500) {
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
      },
    };
  }

  return {
    tracer: {
      startRequest(headers, rec): RequestSpan {
        const parent = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
        const attributes: Attributes = {
          'http.request.method': rec.method, 'url.path': rec.path, 'server.address': rec.authority,
          'network.protocol.version': rec.protocol.replace(/^HTTP\//, ''), 'client.address': rec.clientAddress, 'client.port': rec.clientPort,
          'gateway_api.gateway': rec.gateway,
        };
        if (rec.userAgent !== undefined) attributes['user_agent.original'] = rec.userAgent;
        if (rec.requestId !== undefined) attributes['portico.request_id'] = rec.requestId;
        const span = tracer.startSpan(rec.method, { kind: SpanKind.SERVER, attributes }, parent);
        return {
          traceId: span.spanContext().traceId,
          child: (name, attrs) => child(span, name, attrs),
          end(r) {
            if (r.route !== undefined) span.updateName(`${r.method} ${r.route}`);
            span.setAttributes(endAttributes(r));
            if (r.status >= 500 || r.responseFlags !== undefined) {
              span.setStatus({ code: r.status >= 500 ? SpanStatusCode.ERROR : SpanStatusCode.UNSET, message: r.responseFlags?.join(',') });
            }
            span.end();
          },
        };
      },
    },
    shutdown: () => provider.shutdown(),
  };
}
