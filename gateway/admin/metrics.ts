// Prometheus metrics. One registry per process (not prom-client's global one, so tests and
// several gateways in one process do not collide). Families, each with one job:
//   portico_http_*   HTTP requests (not gRPC), by status code
//   portico_grpc_*   gRPC calls (GRPCRoute rules), by grpc-status
//   portico_l4_*     TCP, TLS and UDP connections/flows, with bytes and duration
//   portico_config_*, portico_translate_*, portico_apply_*, portico_reload_*, portico_problems,
//   portico_watch_*, portico_status_writes_total, portico_leader   the control plane
// and Node's own process_* / nodejs_* metrics under their standard names (stock dashboards work).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AccessRecord, RateLimitOutcome } from '../dataplane/observer.ts';
import type { PipelineState } from '../pipeline.ts';
import type { ProviderTelemetry } from '../provider/telemetry.ts';
import { CounterCells, HistogramCells, type CounterCell, type HistogramCell } from './metric-cells.ts';

export interface Metrics {
  registry: Registry;
  onRequest(r: AccessRecord): void;
  onUpstreamError(backend: string, code: string): void;
  onRateLimit(policy: string, kind: 'local' | 'global', outcome: RateLimitOutcome): void;
  onEjection(backend: string, endpoint: string): void;
  onApplied(state: PipelineState): void;
  onReloadError(stage: string): void;
  /** Hooks a provider calls (watch events and restarts, status writes, leadership). */
  provider: ProviderTelemetry;
}

const LATENCY = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const CONNECTION = [0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800, 3600];
/** The pipeline's stages (pipeline.ts), as the reload-errors counter labels them. */
const RELOAD_STAGES = ['inspect', 'translate', 'addresses', 'apply', 'status', 'write-status'];
const CONTROL = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];

/** The cells of one (gateway, listener, route). */
interface Place {
  readonly gateway: string;
  readonly listener: string;
  readonly route: string;
  readonly duration: HistogramCell;
  readonly upstream: HistogramCell;
  readonly grpcDuration: HistogramCell;
  readonly bytesIn: CounterCell;
  readonly bytesOut: CounterCell;
  /** backend → HTTP status → portico_http_requests_total cell. */
  readonly requests: Map<string, Map<number, CounterCell>>;
  /** backend → grpc-status → portico_grpc_requests_total cell. */
  readonly grpc: Map<string, Map<number, CounterCell>>;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const where = ['gateway', 'listener', 'route'] as const;

  // The HTTP and gRPC families are recorded per request into cells (metric-cells.ts) and written
  // into these metrics when they are read.
  const cells = {
    httpRequests: new CounterCells(), httpDuration: new HistogramCells(LATENCY), httpUpstream: new HistogramCells(LATENCY),
    httpBytesIn: new CounterCells(), httpBytesOut: new CounterCells(), grpcRequests: new CounterCells(), grpcDuration: new HistogramCells(LATENCY),
  };
  new Counter({
    name: 'portico_http_requests_total', help: 'HTTP requests served (gRPC excluded), by where they went and the status returned.',
    labelNames: ['gateway', 'listener', 'route', 'backend', 'code'] as const, registers,
    collect() { cells.httpRequests.publish(this); },
  });
  new Histogram({
    name: 'portico_http_request_duration_seconds', help: 'HTTP request time, from first byte in to last byte out.',
    labelNames: where, registers, buckets: LATENCY,
    collect() { cells.httpDuration.publish(this); },
  });
  new Histogram({
    name: 'portico_http_upstream_response_seconds', help: 'Time until the upstream response head arrived (proxied HTTP and gRPC requests).',
    labelNames: where, registers, buckets: LATENCY,
    collect() { cells.httpUpstream.publish(this); },
  });
  new Counter({
    name: 'portico_http_request_bytes_total', help: 'Request body bytes received from clients and relayed (HTTP and gRPC).', labelNames: where, registers,
    collect() { cells.httpBytesIn.publish(this); },
  });
  new Counter({
    name: 'portico_http_response_bytes_total', help: 'Response body bytes sent to clients (HTTP and gRPC).', labelNames: where, registers,
    collect() { cells.httpBytesOut.publish(this); },
  });
  new Counter({
    name: 'portico_grpc_requests_total', help: 'gRPC calls served (GRPCRoute rules), by grpc-status.',
    labelNames: ['gateway', 'listener', 'route', 'backend', 'grpc_status'] as const, registers,
    collect() { cells.grpcRequests.publish(this); },
  });
  new Histogram({
    name: 'portico_grpc_request_duration_seconds', help: 'gRPC call time, from first byte in to last byte out.',
    labelNames: where, registers, buckets: LATENCY,
    collect() { cells.grpcDuration.publish(this); },
  });
  // gateway → listener → route → the cells of that place (the strings come from the IR, so the
  // lookups hash nothing new per request).
  const places = new Map<string, Map<string, Map<string, Place>>>();
  const placeOf = (gateway: string, listener: string, route: string): Place => {
    let byListener = places.get(gateway);
    if (byListener === undefined) places.set(gateway, byListener = new Map());
    let byRoute = byListener.get(listener);
    if (byRoute === undefined) byListener.set(listener, byRoute = new Map());
    let p = byRoute.get(route);
    if (p === undefined) {
      const labels = { gateway, listener, route };
      p = {
        gateway, listener, route,
        duration: cells.httpDuration.cell(labels), upstream: cells.httpUpstream.cell(labels), grpcDuration: cells.grpcDuration.cell(labels),
        bytesIn: cells.httpBytesIn.cell(labels), bytesOut: cells.httpBytesOut.cell(labels),
        requests: new Map(), grpc: new Map(),
      };
      byRoute.set(route, p);
    }
    return p;
  };
  // backend → status → cell.
  const statusCell = (byBackend: Map<string, Map<number, CounterCell>>, p: Place, backend: string, status: number, grpc: boolean): CounterCell => {
    let byStatus = byBackend.get(backend);
    if (byStatus === undefined) byBackend.set(backend, byStatus = new Map());
    let c = byStatus.get(status);
    if (c === undefined) {
      const { gateway, listener, route } = p;
      c = grpc
        ? cells.grpcRequests.cell({ gateway, listener, route, backend, grpc_status: String(status) })
        : cells.httpRequests.cell({ gateway, listener, route, backend, code: String(status) });
      byStatus.set(status, c);
    }
    return c;
  };
  const l4Labels = ['gateway', 'listener', 'protocol', 'route'] as const;
  const l4Connections = new Counter({
    name: 'portico_l4_connections_total', help: 'TCP and TLS connections and UDP flows, by outcome (200 relayed, 404 no route, 5xx no backend or upstream failure).',
    labelNames: ['gateway', 'listener', 'protocol', 'route', 'backend', 'status'] as const, registers,
  });
  const l4Duration = new Histogram({
    name: 'portico_l4_connection_duration_seconds', help: 'How long TCP/TLS connections and UDP flows lasted.',
    labelNames: l4Labels, registers, buckets: CONNECTION,
  });
  const l4BytesIn = new Counter({
    name: 'portico_l4_received_bytes_total', help: 'Bytes (L4 payload) relayed from clients to upstreams.', labelNames: l4Labels, registers,
  });
  const l4BytesOut = new Counter({
    name: 'portico_l4_sent_bytes_total', help: 'Bytes (L4 payload) relayed from upstreams to clients.', labelNames: l4Labels, registers,
  });
  const flags = new Counter({
    name: 'portico_response_flags_total', help: 'Requests and connections by response flag (see the README).',
    labelNames: ['gateway', 'listener', 'flag'] as const, registers,
  });
  const upstreamErrors = new Counter({
    name: 'portico_upstream_errors_total', help: 'Upstream connection and protocol failures, retried ones included.',
    labelNames: ['backend', 'code'] as const, registers,
  });
  const ejections = new Counter({
    name: 'portico_upstream_ejections_total', help: 'Endpoints taken out of rotation by passive outlier detection (this process).',
    labelNames: ['backend'] as const, registers,
  });

  // Judged per request on rate-limited routes: cells too, policy → kind and outcome → cell.
  const rateLimitCells = new CounterCells();
  new Counter({
    name: 'portico_rate_limit_requests_total',
    help: 'Requests judged by TrafficPolicy rate limits, by policy, kind (local, global) and outcome (allowed, limited, shadow_limited, fail_open = Redis unreachable and let through, fail_closed = answered 503).',
    labelNames: ['policy', 'kind', 'outcome'] as const, registers,
    collect() { rateLimitCells.publish(this); },
  });
  const rateLimitByPolicy = new Map<string, Record<'local' | 'global', Map<string, CounterCell>>>();
  const rateLimitCell = (policy: string, kind: 'local' | 'global', outcome: string): CounterCell => {
    let byKind = rateLimitByPolicy.get(policy);
    if (byKind === undefined) rateLimitByPolicy.set(policy, byKind = { local: new Map(), global: new Map() });
    const m = byKind[kind];
    let c = m.get(outcome);
    if (c === undefined) m.set(outcome, c = rateLimitCells.cell({ policy, kind, outcome }));
    return c;
  };

  // The control plane.
  const configGeneration = new Gauge({
    name: 'portico_config_generation', help: 'How many configurations have been applied since start.', registers,
  });
  let appliedAtMs: number | undefined;
  const configApplied = new Gauge({
    name: 'portico_config_last_applied_timestamp_seconds', help: 'When the current configuration was applied (Unix time).', registers,
  });
  new Gauge({
    name: 'portico_config_age_seconds', help: 'Seconds since the current configuration was applied.', registers,
    collect() {
      if (appliedAtMs !== undefined) this.set((Date.now() - appliedAtMs) / 1000);
    },
  });
  const reloadDuration = new Histogram({
    name: 'portico_reload_duration_seconds', help: 'Time for one configuration update end to end (translate, addresses, apply, status).',
    registers, buckets: CONTROL,
  });
  const translateDuration = new Histogram({
    name: 'portico_translate_duration_seconds', help: 'Time translate() took for one configuration.', registers, buckets: CONTROL,
  });
  const applyDuration = new Histogram({
    name: 'portico_apply_duration_seconds', help: 'Time the data plane took to compile and swap one configuration.', registers, buckets: CONTROL,
  });
  const reloadErrors = new Counter({
    name: 'portico_reload_errors_total', help: 'Configuration updates dropped because a stage threw.',
    labelNames: ['stage'] as const, registers,
  });
  // Every stage's series exists from the start (at 0), so alerts and dashboards see it before a failure.
  for (const stage of RELOAD_STAGES) reloadErrors.inc({ stage }, 0);
  const problems = new Gauge({
    name: 'portico_problems', help: 'Problems in the current configuration, by severity and reason.',
    labelNames: ['severity', 'reason'] as const, registers,
  });
  const listenerErrors = new Gauge({
    name: 'portico_listener_load_errors', help: 'Listeners of the current configuration the data plane could not load (1 each); the others serve.',
    labelNames: ['gateway', 'listener'] as const, registers,
  });
  const certificateExpiry = new Gauge({
    name: 'portico_certificate_expiration_timestamp_seconds', help: 'When each served listener certificate expires (Unix time).',
    labelNames: ['secret'] as const, registers,
  });
  const certificatesOutOfValidity = new Gauge({
    name: 'portico_listeners_certificate_outside_validity', help: 'Listeners serving a certificate that is expired or not yet valid (still served; renew it).',
    registers,
  });
  const watchEvents = new Counter({
    name: 'portico_watch_events_total', help: 'Watch events received from the Kubernetes API, by kind and type.',
    labelNames: ['kind', 'type'] as const, registers,
  });
  const watchRestarts = new Counter({
    name: 'portico_watch_restarts_total', help: 'Times a kind\'s list/watch was restarted (failure or stall).',
    labelNames: ['kind'] as const, registers,
  });
  const statusWrites = new Counter({
    name: 'portico_status_writes_total', help: 'Status writes to the Kubernetes API by kind and result (written, skipped, conflict = 409, failed).',
    labelNames: ['kind', 'result'] as const, registers,
  });
  const leader = new Gauge({
    name: 'portico_leader', help: '1 while this replica holds the leader Lease (writes status), else 0.', registers,
  });

  return {
    registry,
    onRequest(r) {
      const gateway = r.gateway, listener = r.listener, route = r.route ?? '';
      const p = r.protocol;
      if (p === 'TCP' || p === 'TLS' || p === 'UDP') {
        const labels = { gateway, listener, protocol: p, route };
        l4Connections.inc({ ...labels, backend: r.backend ?? '', status: String(r.status) });
        l4Duration.observe(labels, r.durationMs / 1000);
        if (r.bytesIn > 0) l4BytesIn.inc(labels, r.bytesIn);
        if (r.bytesOut > 0) l4BytesOut.inc(labels, r.bytesOut);
      } else {
        const place = placeOf(gateway, listener, route);
        const backend = r.backend ?? '';
        if (r.grpcStatus !== undefined) {
          cells.grpcRequests.inc(statusCell(place.grpc, place, backend, r.grpcStatus, true), 1);
          cells.grpcDuration.observe(place.grpcDuration, r.durationMs / 1000);
        } else {
          cells.httpRequests.inc(statusCell(place.requests, place, backend, r.status, false), 1);
          cells.httpDuration.observe(place.duration, r.durationMs / 1000);
        }
        if (r.upstreamMs !== undefined) cells.httpUpstream.observe(place.upstream, r.upstreamMs / 1000);
        if (r.bytesIn > 0) cells.httpBytesIn.inc(place.bytesIn, r.bytesIn);
        if (r.bytesOut > 0) cells.httpBytesOut.inc(place.bytesOut, r.bytesOut);
      }
      if (r.responseFlags !== undefined) for (const flag of r.responseFlags) flags.inc({ gateway, listener, flag });
    },
    onUpstreamError(backend, code) { upstreamErrors.inc({ backend, code }); },
    onRateLimit(policy, kind, outcome) { rateLimitCells.inc(rateLimitCell(policy, kind, outcome), 1); },
    onEjection(backend) { ejections.inc({ backend }); },
    onApplied(state) {
      configGeneration.set(state.generation);
      appliedAtMs = Date.parse(state.appliedAt);
      if (Number.isNaN(appliedAtMs)) appliedAtMs = Date.now();
      configApplied.set(appliedAtMs / 1000);
      reloadDuration.observe(state.reloadMs / 1000);
      if (state.translateMs !== undefined) translateDuration.observe(state.translateMs / 1000);
      if (state.applyMs !== undefined) applyDuration.observe(state.applyMs / 1000);
      problems.reset();
      const counts = new Map<string, { severity: string; reason: string; n: number }>();
      for (const p of state.problems) {
        const k = `${p.severity}\0${p.reason}`;
        const c = counts.get(k) ?? counts.set(k, { severity: p.severity, reason: p.reason, n: 0 }).get(k)!;
        c.n++;
      }
      for (const c of counts.values()) problems.set({ severity: c.severity, reason: c.reason }, c.n);
      listenerErrors.reset();
      for (const f of state.apply.listenerErrors ?? []) listenerErrors.set({ gateway: f.gateway, listener: f.listener }, 1);
      certificateExpiry.reset();
      for (const gw of state.table.gateways) for (const p of gw.ports) for (const l of p.listeners) {
        for (const c of l.tls?.certificates ?? []) if (c.notAfter) certificateExpiry.set({ secret: c.secret }, Date.parse(c.notAfter) / 1000);
      }
      certificatesOutOfValidity.set(state.problems.filter((p) => p.reason === 'CertificateValidity').length);
    },
    onReloadError(stage) { reloadErrors.inc({ stage }); },
    provider: {
      watching: (kind) => watchRestarts.inc({ kind }, 0),
      watchEvent: (kind, type) => watchEvents.inc({ kind, type }),
      watchRestart: (kind) => watchRestarts.inc({ kind }),
      statusWrite: (kind, result) => statusWrites.inc({ kind, result }),
      leader: (v) => leader.set(v ? 1 : 0),
    },
  };
}
