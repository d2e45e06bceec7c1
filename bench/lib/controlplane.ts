// Control-plane scenarios, the way gateway-api-bench measures them: routes created one at a time
// (through files, or through the Kubernetes API of the in-repo test server) and each new hostname
// probed every 5 ms until it answers 200; a route flipping backend and filters under load; a burst
// of routes created at once, timed until every listener's attachedRoutes is right.
import { renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface Propagation {
  mode: string;
  created: number;
  target: number;
  meanMs: number; p99Ms: number; maxMs: number;
  /** Answers other than 404 (not yet routed) and 200 while probing. */
  errors: number;
  /** How far the series got when the time cap ended it. */
  capped: boolean;
  /** Mean of the first 100 and of the last 100 routes: does the cost of a change grow? */
  first100Ms: number; last100Ms: number;
}

export function probe(port: number, host: string, path = '/', headers: Record<string, string> = {}): Promise<number> {
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host, ...headers }, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    });
    req.on('error', () => done(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export function newRoute(i: number, backend = 'origin', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute',
    metadata: { name: `new-${i}`, namespace: 'bench' },
    spec: {
      parentRefs: [{ name: 'bench', sectionName: 'http' }],
      hostnames: [`n${i}.bench.example.com`],
      rules: [{ backendRefs: [{ name: backend, port: 8080 }], ...extra }],
    },
  };
}

/** Writes a manifest file atomically (the provider never sees half a file). */
export function writeAtomic(dir: string, name: string, objects: object[]): void {
  const tmp = join(dir, `.${name}.tmp`);
  writeFileSync(tmp, objects.map((o) => stringify(o)).join('---\n'));
  renameSync(tmp, join(dir, name));
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** Creates routes one by one with `create(i)` and probes each until it answers 200. */
export async function propagation(mode: string, port: number, target: number, capMs: number, create: (i: number) => Promise<void>): Promise<Propagation> {
  const times: number[] = [];
  let errors = 0;
  const deadline = performance.now() + capMs;
  let i = 0;
  for (; i < target && performance.now() < deadline; i++) {
    const t0 = performance.now();
    await create(i);
    for (;;) {
      const status = await probe(port, `n${i}.bench.example.com`);
      if (status === 200) break;
      if (status !== 404) errors++;
      if (performance.now() - t0 > 30_000) { errors++; break; }
      await new Promise((r) => setTimeout(r, 5));
    }
    times.push(performance.now() - t0);
  }
  return {
    mode, created: times.length, target, meanMs: mean(times), p99Ms: pct(times, 0.99), maxMs: Math.max(...times),
    errors, capped: times.length < target, first100Ms: mean(times.slice(0, 100)), last100Ms: mean(times.slice(-100)),
  };
}

/** attachedRoutes of one listener, read from the admin /status. */
export async function attachedRoutes(admin: string, gateway: string, listener: string): Promise<number> {
  const body = await fetch(`http://${admin}/status`).then((r) => r.json() as Promise<{ items: any[] }>, () => ({ items: [] }));
  const gw = body.items.find((o) => o.kind === 'Gateway' && `${o.metadata.namespace}/${o.metadata.name}` === gateway);
  return gw?.status?.listeners?.find((l: any) => l.name === listener)?.attachedRoutes ?? -1;
}
