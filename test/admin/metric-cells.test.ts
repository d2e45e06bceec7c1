// The request metrics are recorded into plain cells and written into prom-client at scrape time
// (gateway/admin/metric-cells.ts). What /metrics shows must be exactly what prom-client's own
// inc()/observe() calls per request give: the reference below is the per-request recording
// Portico used before the cells, on its own registry, fed the same records.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AggregatorRegistry, Counter, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { createMetrics } from '../../gateway/admin/metrics.ts';
import type { AccessRecord, RateLimitOutcome } from '../../gateway/dataplane/observer.ts';

const LATENCY = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const FAMILIES = [
  'portico_http_requests_total', 'portico_http_request_duration_seconds', 'portico_http_upstream_response_seconds',
  'portico_http_request_bytes_total', 'portico_http_response_bytes_total', 'portico_grpc_requests_total',
  'portico_grpc_request_duration_seconds', 'portico_rate_limit_requests_total',
];

function reference() {
  const registry = new Registry();
  const registers = [registry];
  const where = ['gateway', 'listener', 'route'] as const;
  const httpRequests = new Counter({ name: FAMILIES[0]!, help: 'HTTP requests served (gRPC excluded), by where they went and the status returned.', labelNames: ['gateway', 'listener', 'route', 'backend', 'code'], registers });
  const httpDuration = new Histogram({ name: FAMILIES[1]!, help: 'HTTP request time, from first byte in to last byte out.', labelNames: where, registers, buckets: LATENCY });
  const httpUpstream = new Histogram({ name: FAMILIES[2]!, help: 'Time until the upstream response head arrived (proxied HTTP and gRPC requests).', labelNames: where, registers, buckets: LATENCY });
  const httpBytesIn = new Counter({ name: FAMILIES[3]!, help: 'Request body bytes received from clients and relayed (HTTP and gRPC).', labelNames: where, registers });
  const httpBytesOut = new Counter({ name: FAMILIES[4]!, help: 'Response body bytes sent to clients (HTTP and gRPC).', labelNames: where, registers });
  const grpcRequests = new Counter({ name: FAMILIES[5]!, help: 'gRPC calls served (GRPCRoute rules), by grpc-status.', labelNames: ['gateway', 'listener', 'route', 'backend', 'grpc_status'], registers });
  const grpcDuration = new Histogram({ name: FAMILIES[6]!, help: 'gRPC call time, from first byte in to last byte out.', labelNames: where, registers, buckets: LATENCY });
  const rateLimits = new Counter({
    name: FAMILIES[7]!,
    help: 'Requests judged by TrafficPolicy rate limits, by policy, kind (local, global) and outcome (allowed, limited, shadow_limited, fail_open = Redis unreachable and let through, fail_closed = answered 503).',
    labelNames: ['policy', 'kind', 'outcome'], registers,
  });
  return {
    registry,
    onRequest(r: AccessRecord) {
      const gateway = r.gateway, listener = r.listener, route = r.route ?? '';
      const labels = { gateway, listener, route };
      if (r.grpcStatus !== undefined) {
        grpcRequests.inc({ gateway, listener, route, backend: r.backend ?? '', grpc_status: String(r.grpcStatus) });
        grpcDuration.observe(labels, r.durationMs / 1000);
      } else {
        httpRequests.inc({ gateway, listener, route, backend: r.backend ?? '', code: String(r.status) });
        httpDuration.observe(labels, r.durationMs / 1000);
      }
      if (r.upstreamMs !== undefined) httpUpstream.observe(labels, r.upstreamMs / 1000);
      if (r.bytesIn > 0) httpBytesIn.inc(labels, r.bytesIn);
      if (r.bytesOut > 0) httpBytesOut.inc(labels, r.bytesOut);
    },
    onRateLimit(policy: string, kind: 'local' | 'global', outcome: RateLimitOutcome) { rateLimits.inc({ policy, kind, outcome }); },
  };
}

/** A deterministic spread of records: every bucket, +Inf, both families, bytes and no bytes, several places. */
function* records(n: number, seed: number): Generator<AccessRecord> {
  let x = seed;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const durations = [0.0004, 0.001, 0.003, 0.005, 0.02, 0.07, 0.1, 0.3, 0.9, 1, 2, 4.5, 10, 12000, 25000];
  for (let i = 0; i < n; i++) {
    const grpc = rnd() < 0.25;
    const place = Math.floor(rnd() * 4);
    yield {
      time: 't', gateway: place === 3 ? 'other/gw' : 'apps/gw', listener: place === 2 ? 'apps/gw/https' : 'apps/gw/http',
      protocol: grpc ? 'HTTP/2' : 'HTTP/1.1', clientAddress: '127.0.0.1', clientPort: 1, method: 'GET', authority: 'a', path: '/',
      ...(place === 1 ? {} : { route: `HTTPRoute/apps/r${place}` }),
      ...(rnd() < 0.2 ? {} : { backend: `Service:apps/b${Math.floor(rnd() * 2)}:80` }),
      status: [200, 200, 404, 503, 301][Math.floor(rnd() * 5)]!,
      ...(grpc ? { grpcStatus: Math.floor(rnd() * 3) } : {}),
      durationMs: durations[Math.floor(rnd() * durations.length)]! * 1000 * (0.5 + rnd()),
      ...(rnd() < 0.3 ? {} : { upstreamMs: durations[Math.floor(rnd() * durations.length)]! * 1000 }),
      bytesIn: rnd() < 0.5 ? 0 : Math.floor(rnd() * 5000), bytesOut: rnd() < 0.1 ? 0 : Math.floor(rnd() * 5000),
    };
  }
}

const OUTCOMES: RateLimitOutcome[] = ['allowed', 'limited', 'shadow_limited', 'fail_open', 'fail_closed'];

function only(text: string): string {
  return text.split('\n\n').map((block) => block.trim()).filter((block) => FAMILIES.some((f) => block.includes(`# TYPE ${f} `))).join('\n\n');
}

async function json(r: Registry): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
  return (await r.getMetricsAsJSON()).filter((m) => FAMILIES.includes(m.name)) as MetricObjectWithValues<MetricValue<string>>[];
}

test('request metrics recorded in cells render exactly as prom-client per-request calls (text, JSON, worker aggregate)', async () => {
  const cells = createMetrics();
  const ref = reference();
  // Nothing recorded yet: the families are there with no series.
  assert.is(only(await cells.registry.metrics()), only(await ref.registry.metrics()));
  for (const [round, seed] of [[0, 7], [1, 99]] as const) {
    for (const r of records(400 + round * 300, seed)) {
      cells.onRequest(r);
      ref.onRequest(r);
    }
    for (let i = 0; i < 50; i++) {
      const policy = `TrafficPolicy/apps/p${i % 3}`, kind = i % 4 === 0 ? 'local' : 'global', outcome = OUTCOMES[(i * 7 + round) % OUTCOMES.length]!;
      cells.onRateLimit(policy, kind, outcome);
      ref.onRateLimit(policy, kind, outcome);
    }
    // Scraped twice in a row and again after more requests: publishing is repeatable.
    const want = only(await ref.registry.metrics());
    assert.ok(want.includes('le="+Inf"') && want.includes('portico_grpc_requests_total{'), 'the records cover both families');
    assert.is(only(await cells.registry.metrics()), want);
    assert.is(only(await cells.registry.metrics()), want);
    assert.equal(await json(cells.registry), await json(ref.registry));
  }
  // The control process sums its workers' JSON (gateway/workers/pool.ts): the same sums either way.
  const a = await json(cells.registry), b = await json(ref.registry);
  const sum = async (xs: MetricObjectWithValues<MetricValue<string>>[][]) => only(await AggregatorRegistry.aggregate(xs).metrics());
  assert.is(await sum([a, a]), await sum([b, b]));
});

test.run();
