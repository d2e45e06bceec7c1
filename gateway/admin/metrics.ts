// Prometheus metrics. One registry per process (not prom-client's global one, so tests and
// several gateways in one process do not collide).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AccessRecord } from '../dataplane/observer.ts';
import type { PipelineState } from '../pipeline.ts';

export interface Metrics {
  registry: Registry;
  onRequest(r: AccessRecord): void;
  onUpstreamError(backend: string, code: string): void;
  onApplied(state: PipelineState): void;
  onReloadError(stage: string): void;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'portico_' });
  const requests = new Counter({
    name: 'portico_http_requests_total', help: 'Requests (or L4 connections) served, by where they went and the status returned.',
    labelNames: ['gateway', 'listener', 'route', 'backend', 'code'] as const, registers: [registry],
  });
  const duration = new Histogram({
    name: 'portico_http_request_duration_seconds', help: 'Time from first byte in to last byte out.',
    labelNames: ['gateway', 'listener', 'route'] as const, registers: [registry],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  const upstreamErrors = new Counter({
    name: 'portico_upstream_errors_total', help: 'Upstream connection and protocol failures.',
    labelNames: ['backend', 'code'] as const, registers: [registry],
  });
  const configGeneration = new Gauge({
    name: 'portico_config_generation', help: 'How many configurations have been applied since start.', registers: [registry],
  });
  const reloadDuration = new Histogram({
    name: 'portico_reload_duration_seconds', help: 'Time to translate and apply one configuration.',
    registers: [registry], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
  });
  const reloadErrors = new Counter({
    name: 'portico_reload_errors_total', help: 'Configuration updates dropped because a stage threw.',
    labelNames: ['stage'] as const, registers: [registry],
  });
  const problems = new Gauge({
    name: 'portico_translate_problems', help: 'Problems found in the current configuration.',
    labelNames: ['severity'] as const, registers: [registry],
  });
  const listenerErrors = new Gauge({
    name: 'portico_listener_load_errors', help: 'Listeners of the current configuration the data plane could not load (1 each); the others serve.',
    labelNames: ['gateway', 'listener'] as const, registers: [registry],
  });
  const certificateExpiry = new Gauge({
    name: 'portico_certificate_expiration_timestamp_seconds', help: 'When each served listener certificate expires (Unix time).',
    labelNames: ['secret'] as const, registers: [registry],
  });
  const certificatesOutOfValidity = new Gauge({
    name: 'portico_listeners_certificate_outside_validity', help: 'Listeners serving a certificate that is expired or not yet valid (still served; renew it).',
    registers: [registry],
  });
  return {
    registry,
    onRequest(r) {
      const labels = { gateway: r.gateway, listener: r.listener, route: r.route ?? '', backend: r.backend ?? '', code: String(r.status) };
      requests.inc(labels);
      duration.observe({ gateway: r.gateway, listener: r.listener, route: r.route ?? '' }, r.durationMs / 1000);
    },
    onUpstreamError(backend, code) { upstreamErrors.inc({ backend, code }); },
    onApplied(state) {
      configGeneration.set(state.generation);
      reloadDuration.observe(state.reloadMs / 1000);
      problems.set({ severity: 'error' }, state.problems.filter((p) => p.severity === 'error').length);
      problems.set({ severity: 'warning' }, state.problems.filter((p) => p.severity === 'warning').length);
      listenerErrors.reset();
      for (const f of state.apply.listenerErrors ?? []) listenerErrors.set({ gateway: f.gateway, listener: f.listener }, 1);
      certificateExpiry.reset();
      for (const gw of state.table.gateways) for (const p of gw.ports) for (const l of p.listeners) {
        for (const c of l.tls?.certificates ?? []) if (c.notAfter) certificateExpiry.set({ secret: c.secret }, Date.parse(c.notAfter) / 1000);
      }
      certificatesOutOfValidity.set(state.problems.filter((p) => p.reason === 'CertificateValidity').length);
    },
    onReloadError(stage) { reloadErrors.inc({ stage }); },
  };
}
