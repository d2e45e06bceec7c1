// In-process measurements of the pure parts: translate() of N parsed HTTPRoutes, and the
// per-request lookup the data plane does (listener by Host, host bucket, rule matcher) over the
// table translate() produced, with the data plane's own HostTable and HostIndexMatcher.
import { fromObjects } from '../../gateway/model/index.ts';
import { translate } from '../../gateway/translator/index.ts';
import { HostIndexMatcher, HostTable, type MatchRequest } from '../../gateway/dataplane/match/index.ts';
import type { RoutingTable } from '../../gateway/ir/index.ts';
import { generatedRoute, HOST } from './manifests.ts';

function baseObjects(): object[] {
  return [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'bench', namespace: 'bench' },
      spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'origin', namespace: 'bench' }, spec: { ports: [{ name: 'p', port: 8080, protocol: 'TCP' }] } },
  ];
}

export interface TranslateTiming { routes: number; parseMs: number; translateMs: number; table: RoutingTable }

/** fromObjects (model parsing) and translate() of N generated routes, timed separately; best of `runs`. */
export function timeTranslate(routes: number, runs = 3): TranslateTiming {
  const objects = [...baseObjects(), ...Array.from({ length: routes }, (_, i) => generatedRoute(i))];
  let best: TranslateTiming | undefined;
  for (let r = 0; r < runs; r++) {
    const input = structuredClone(objects); // fromObjects may keep references: a fresh copy each run
    const t0 = performance.now();
    const { snapshot } = fromObjects(input);
    const t1 = performance.now();
    const res = translate(snapshot, { controllerName: 'portico.dev/gateway-controller', now: '2026-01-01T00:00:00Z' });
    const t2 = performance.now();
    if (!best || t2 - t1 < best.translateMs) best = { routes, parseMs: t1 - t0, translateMs: t2 - t1, table: res.table };
  }
  return best!;
}

/** The requests of the mix: each hits a different generated route kind, plus a miss. */
function requests(routes: number): { host: string; req: MatchRequest }[] {
  const pick = (k: number) => Math.min(routes - 1, 5 * Math.floor(routes / 10) + k);
  const mk = (i: number, method: string, path: string, headers: Record<string, string> = {}) =>
    ({ host: HOST(i % 1000), req: { method, path, query: '', headers: { host: HOST(i % 1000), ...headers } } as MatchRequest });
  return [
    mk(pick(0), 'GET', `/api/${pick(0)}`),
    mk(pick(1), 'GET', `/p/${pick(1)}/deeper/path`),
    mk(pick(2), 'GET', `/h/${pick(2)}`, { 'x-tenant': `t${pick(2)}` }),
    mk(pick(3), 'POST', `/m/${pick(3)}/x`),
    mk(pick(4), 'GET', `/re/${pick(4)}/123`),
    mk(pick(1), 'GET', '/nothing/here'),
  ];
}

export interface MatchTiming { routes: number; nsPerRequest: number; hits: number }

/** Per-request lookup cost (ns) over the request mix, after a warm-up; best of 5 batches. */
export function timeMatch(table: RoutingTable, routes: number, iterations = 200_000): MatchTiming {
  const listener = table.gateways[0]!.ports[0]!.listeners[0]!;
  const hosts = new HostTable((listener.http ?? []).map((h) => [h.hostname, new HostIndexMatcher(h.rules)] as [string, HostIndexMatcher]));
  const mix = requests(routes);
  let hits = 0;
  const batch = () => {
    let h = 0;
    for (let i = 0; i < iterations; i++) {
      const r = mix[i % mix.length]!;
      const m = hosts.lookup(r.host);
      if (m !== undefined && m.match(r.req) >= 0) h++;
    }
    return h;
  };
  batch(); // warm-up: JIT and inline caches
  let best = Infinity;
  for (let b = 0; b < 5; b++) {
    const t0 = process.hrtime.bigint();
    hits = batch();
    const ns = Number(process.hrtime.bigint() - t0) / iterations;
    best = Math.min(best, ns);
  }
  return { routes, nsPerRequest: best, hits: hits / iterations };
}
