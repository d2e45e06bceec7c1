// `npm run bench`: Portico against nginx and the Node proxies, on loopback, in one run.
// Targets run alternately in rounds so every one sees the same minutes of the machine; ratios come
// from the same run; a measurement taken while something else used the machine is repeated, and
// flagged when it stays busy. Writes bench/results/latest.{md,json} (and a dated copy).
//
//   npm run bench                         # everything (about 15 minutes on 2 cores)
//   npm run bench -- --only dataplane     # dataplane | routes | matcher | controlplane
//   npm run bench -- --seconds 3 --rounds 1 --propagation-cap 20   # a quick look
//   npm run bench -- --only dataplane --scenario h1-small --target nginx --target Portico   # one scenario
//   npm run bench -- --only dataplane --baseline /tmp/main-checkout   # adds "Portico (baseline)" targets
//     run from another built checkout (before/after a change, measured in the same rounds)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { selfSignedCert } from '../test/helpers/self-signed.ts';
import { startKubeApiServer } from '../test/helpers/kube-api-server/index.ts';
import { grpcBodyFile, h2load, wrk, type LoadResult } from './lib/load.ts';
import { measure, type Measured } from './lib/measure.ts';
import { timeMatch, timeTranslate } from './lib/matcher.ts';
import { HOST, LIMITED_HOST, LISTENER, writeManifests } from './lib/manifests.ts';
import { benchJwt, JWT_ROUTE_HEADER } from './lib/jwt.ts';
import { startLocalRedis } from '../apps/local-redis.ts';
import { type Peer, ROOT, startGrpcOrigin, startNginxProxy, startNodeProxy, startOrigin, startPortico } from './lib/peers.ts';
import { attachedRoutes, newRoute, probe, propagation, writeAtomic, type Propagation } from './lib/controlplane.ts';
import { ensureTools, rssMiB, rssPerProcess, versions } from './lib/sys.ts';

const { values } = parseArgs({
  options: {
    only: { type: 'string', multiple: true },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    'busy-limit': { type: 'string', default: '0.35' },
    'propagation-target': { type: 'string', default: '3000' },
    'propagation-cap': { type: 'string', default: '90' },
    // Narrow the data-plane part: scenario ids (h1-small, https, ...) and target names (prefixes).
    scenario: { type: 'string', multiple: true },
    target: { type: 'string', multiple: true },
    // A built checkout (its build/bin/portico.js) measured beside this one, for before/after ratios.
    baseline: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'bench/results') },
  },
});
const SECONDS = Number(values.seconds), ROUNDS = Number(values.rounds), BUSY = Number(values['busy-limit']);
const wanted = (part: string) => !values.only || values.only.includes(part);
const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const work = mkdtempSync(join(tmpdir(), 'portico-bench-'));
const peerLog: string[] = [];
const peers: Peer[] = [];
const report: { md: string[]; json: Record<string, unknown> } = { md: [], json: {} };
const started = Date.now();

async function main(): Promise<void> {
  ensureTools(log);
  const env = versions();
  env['@fastify/http-proxy'] = JSON.parse(readFileSync(join(ROOT, 'node_modules/@fastify/http-proxy/package.json'), 'utf8')).version;
  env.portico = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  report.json.environment = env;
  report.md.push(`# Portico benchmark\n\n${new Date().toISOString()} · ${Object.entries(env).map(([k, v]) => `${k} ${v}`).join(' · ')}\n`);
  report.md.push(`Loopback only; origin: nginx (1 worker) returning 16 bytes (or 1 MiB); load: wrk (HTTP/1.1, TLS) and h2load (HTTP/2, gRPC); ${ROUNDS} rounds of ${SECONDS} s per target, targets alternating; medians. "CPU/req" is the proxy's own CPU time per request. Rows marked busy were measured while other processes used more than ${BUSY} of a core.\n`);

  const tls = selfSignedCert(work, 'bench', ['bench.example.com', ...Array.from({ length: 3 }, (_, i) => HOST(i))]);
  const origin = await startOrigin(work, peerLog); peers.push(origin); originPeer = origin;
  const grpcOrigin = await startGrpcOrigin(peerLog); peers.push(grpcOrigin); grpcPeer = grpcOrigin;
  const base = { origin: origin.port, grpcOrigin: grpcOrigin.port, tls };

  if (wanted('dataplane')) await dataplane(base);
  if (wanted('routes')) await routeScaling(base);
  if (wanted('matcher')) matcher();
  if (wanted('controlplane')) await controlplane(base);
}

// ---------------------------------------------------------------------------------------------
interface Target { key: string; peer: Peer; url: Partial<Record<string, string>> }

async function dataplane(base: { origin: number; grpcOrigin: number; tls: { cert: string; key: string } }): Promise<void> {
  const cores = Number(versions().cpus);
  const nginx1 = await startNginxProxy(work, 1, base.origin, base.grpcOrigin, base.tls, peerLog); peers.push(nginx1);
  const nginxN = await startNginxProxy(work, cores, base.origin, base.grpcOrigin, base.tls, peerLog); peers.push(nginxN);
  const nodeHttp = await startNodeProxy('node-http', base.origin, peerLog); peers.push(nodeHttp);
  const fastify = await startNodeProxy('fastify', base.origin, peerLog); peers.push(fastify);
  // The dataplane manifests carry one JWT-protected route (SecurityPolicy) beside the catch-all.
  const jwt = await benchJwt();
  // The Redis the rate-limited routes' global limit counts in (its CPU is the run's own).
  const redis = await startLocalRedis();
  const redisPid = redis.pid;
  const limits = ['--rate-limit-redis', redis.url];
  const portico = await startPortico(writeManifests(join(work, 'm-dataplane'), { ...base, routes: 0, jwks: jwt.jwks }), peerLog, ['--workers', '1', ...limits]); peers.push(portico);
  // One data-plane worker per core (--workers), against nginx with one worker per core.
  const porticoN = await startPortico(join(work, 'm-dataplane'), peerLog, ['--workers', String(cores), ...limits], `Portico, ${cores} workers`); peers.push(porticoN);
  const pn = (l: number) => l + porticoN.portOffset;
  const baseline = values.baseline === undefined ? undefined : {
    one: await startPortico(join(work, 'm-dataplane'), peerLog, ['--workers', '1', ...limits], 'Portico (baseline)', 'node', values.baseline),
    n: await startPortico(join(work, 'm-dataplane'), peerLog, ['--workers', String(cores), ...limits], `Portico, ${cores} workers (baseline)`, 'node', values.baseline),
  };
  if (baseline !== undefined) peers.push(baseline.one, baseline.n);
  const porticoDeno = await startPortico(join(work, 'm-dataplane'), peerLog, [], 'Portico on Deno', 'deno'); peers.push(porticoDeno);
  const pp = (l: number) => l + portico.portOffset;
  const pd = (l: number) => l + porticoDeno.portOffset;
  const nginxUrls = (n: typeof nginx1) => ({
    http: `http://127.0.0.1:${n.ports.http}`, https: `https://127.0.0.1:${n.ports.https}`, h2c: `http://127.0.0.1:${n.ports.h2c}`,
    tcp: `http://127.0.0.1:${n.ports.tcp}`, grpc: `http://127.0.0.1:${n.ports.grpc}`,
  });
  const targets: Target[] = [
    { key: 'nginx, 1 worker', peer: nginx1, url: nginxUrls(nginx1) },
    { key: `nginx, ${cores} workers`, peer: nginxN, url: nginxUrls(nginxN) },
    { key: 'node:http proxy', peer: nodeHttp, url: { http: `http://127.0.0.1:${nodeHttp.port}` } },
    { key: '@fastify/http-proxy', peer: fastify, url: { http: `http://127.0.0.1:${fastify.port}` } },
    { key: 'Portico', peer: portico, url: {
      http: `http://127.0.0.1:${pp(LISTENER.http)}`, https: `https://127.0.0.1:${pp(LISTENER.https)}`, h2c: `http://127.0.0.1:${pp(LISTENER.http)}`,
      tcp: `http://127.0.0.1:${pp(LISTENER.tcp)}`, grpc: `http://127.0.0.1:${pp(LISTENER.grpc)}` } },
    { key: `Portico, ${cores} workers`, peer: porticoN, url: {
      http: `http://127.0.0.1:${pn(LISTENER.http)}`, https: `https://127.0.0.1:${pn(LISTENER.https)}`, h2c: `http://127.0.0.1:${pn(LISTENER.http)}`,
      tcp: `http://127.0.0.1:${pn(LISTENER.tcp)}`, grpc: `http://127.0.0.1:${pn(LISTENER.grpc)}` } },
    ...(baseline === undefined ? [] : [baseline.one, baseline.n].map((b): Target => {
      const o = (l: number) => l + b.portOffset;
      return { key: b.name, peer: b, url: {
        http: `http://127.0.0.1:${o(LISTENER.http)}`, https: `https://127.0.0.1:${o(LISTENER.https)}`, h2c: `http://127.0.0.1:${o(LISTENER.http)}`,
        tcp: `http://127.0.0.1:${o(LISTENER.tcp)}`, grpc: `http://127.0.0.1:${o(LISTENER.grpc)}` } };
    })),
    // The same Portico on Deno, for the protocols Deno serves (README: no HTTP/2 upstreams there).
    { key: 'Portico on Deno', peer: porticoDeno, url: {
      http: `http://127.0.0.1:${pd(LISTENER.http)}`, https: `https://127.0.0.1:${pd(LISTENER.https)}`, tcp: `http://127.0.0.1:${pd(LISTENER.tcp)}` } },
  ];
  const body = grpcBodyFile(work);
  const c = (n: number) => ({ seconds: SECONDS, connections: n });
  const scenarios: { id: string; title: string; via: string; only?: string[]; run: (url: string, onSpawn: (p: number) => void) => Promise<LoadResult> }[] = [
    { id: 'h1-small', title: 'HTTP/1.1, 16-byte responses, 50 keep-alive connections', via: 'http',
      run: (u, onSpawn) => wrk(`${u}/`, { ...c(50), onSpawn }) },
    { id: 'h1-1mib', title: 'HTTP/1.1, 1 MiB responses, 10 connections', via: 'http', only: ['nginx, 1 worker', 'node:http proxy', '@fastify/http-proxy', 'Portico', 'Portico on Deno'],
      run: (u, onSpawn) => wrk(`${u}/1m`, { ...c(10), onSpawn }) },
    { id: 'https', title: 'HTTPS termination (TLS 1.3, HTTP/1.1), 50 connections', via: 'https',
      run: (u, onSpawn) => wrk(`${u}/`, { ...c(50), onSpawn }) },
    { id: 'h2', title: 'HTTP/2 (h2c), 10 connections × 10 streams', via: 'h2c',
      run: (u, onSpawn) => h2load(`${u}/`, { clients: 10, streams: 10, seconds: SECONDS, onSpawn }) },
    { id: 'grpc', title: 'gRPC unary, 10 connections × 10 streams', via: 'grpc',
      run: (u, onSpawn) => h2load(`${u}/bench.Bench/Ping`, { clients: 10, streams: 10, seconds: SECONDS, dataFile: body,
        headers: { 'content-type': 'application/grpc', te: 'trailers' }, onSpawn }) },
    { id: 'tcp', title: 'TCP proxy (TCPRoute / nginx stream), HTTP/1.1 through it, 50 connections', via: 'tcp',
      run: (u, onSpawn) => wrk(`${u}/`, { ...c(50), onSpawn }) },
    // The same requests as h1-small, each with a bearer token the route's SecurityPolicy verifies
    // (ES256 signature, issuer, audience, expiry): the cost of a JWT check per request.
    { id: 'h1-jwt', title: 'HTTP/1.1, 16-byte responses, a JWT (ES256) verified per request (SecurityPolicy), 50 connections', via: 'http',
      only: ['Portico', `Portico, ${cores} workers`, 'Portico on Deno'],
      run: (u, onSpawn) => wrk(`${u}/`, { ...c(50), headers: { [JWT_ROUTE_HEADER]: '1', authorization: `Bearer ${jwt.token}` }, onSpawn }) },
    { id: 'new-conn', title: 'HTTP/1.1, a new connection per request, 50 clients', via: 'http', only: ['nginx, 1 worker', 'node:http proxy', 'Portico', 'Portico on Deno'],
      run: (u, onSpawn) => wrk(`${u}/`, { ...c(50), headers: { connection: 'close' }, onSpawn }) },
    // TrafficPolicy rate limits (a limit no request reaches): what admitting a request costs.
    { id: 'h1-ratelimit-global', title: 'HTTP/1.1, 16-byte responses, 50 connections, a global rate limit (Redis) on the route', via: 'http', only: ['Portico', `Portico, ${cores} workers`],
      run: (u, onSpawn) => wrk(`${u}/`, { ...c(50), headers: { host: LIMITED_HOST.global }, onSpawn }) },
    { id: 'h1-ratelimit-local', title: 'HTTP/1.1, 16-byte responses, 50 connections, a local rate limit on the route', via: 'http', only: ['Portico', `Portico, ${cores} workers`],
      run: (u, onSpawn) => wrk(`${u}/`, { ...c(50), headers: { host: LIMITED_HOST.local }, onSpawn }) },
  ];
  const results = new Map<string, Measured[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of scenarios) {
      for (const t of targets) {
        const url = t.url[s.via];
        if (!url || (s.only && !s.only.includes(t.key))) continue;
        if ((values.scenario && !values.scenario.includes(s.id)) || (values.target && !values.target.some((x) => t.key.startsWith(x)))) continue;
        const own = [origin().pid, grpcPid(), redisPid];
        let m = await measure(t.key, t.peer.pid, own, (onSpawn) => s.run(url, onSpawn), BUSY);
        if (m.busy) { log(`${s.id} ${t.key}: machine busy (${m.otherCores.toFixed(2)} other cores), measuring again`); m = await measure(t.key, t.peer.pid, own, (onSpawn) => s.run(url, onSpawn), BUSY); }
        log(`round ${round + 1} ${s.id} ${t.key}: ${m.rps.toFixed(0)} req/s, ${m.cpuUsPerRequest.toFixed(1)} µs CPU/req, ${m.errors} errors${m.busy ? ' (busy)' : ''}`);
        const k = `${s.id}|${t.key}`;
        results.set(k, [...(results.get(k) ?? []), m]);
      }
    }
  }
  const json: Record<string, unknown>[] = [];
  report.md.push('## Data plane\n');
  for (const s of scenarios) {
    const ref = median((results.get(`${s.id}|nginx, 1 worker`) ?? []).map((m) => m.rps));
    report.md.push(`### ${s.title}\n\n| target | req/s | × nginx (1 worker) | CPU/req | RSS | errors | p50 / p99 |\n|---|---:|---:|---:|---:|---:|---:|`);
    for (const t of targets) {
      const ms = results.get(`${s.id}|${t.key}`);
      if (!ms) continue;
      const rps = median(ms.map((m) => m.rps));
      const row = {
        scenario: s.id, target: t.key, rps, ratioToNginx: rps / ref, cpuUsPerRequest: median(ms.map((m) => m.cpuUsPerRequest)),
        rssMiB: Math.max(...ms.map((m) => m.rssMiB)), errors: ms.reduce((a, m) => a + m.errors, 0),
        p50Ms: median(ms.map((m) => m.p50 ?? NaN)), p99Ms: median(ms.map((m) => m.p99 ?? NaN)), busy: ms.some((m) => m.busy),
      };
      json.push(row);
      const lat = Number.isFinite(row.p50Ms) ? `${row.p50Ms.toFixed(2)} / ${row.p99Ms.toFixed(2)} ms` : '–';
      report.md.push(`| ${t.key === 'Portico' ? '**Portico**' : t.key}${row.busy ? ' (busy)' : ''} | ${rps.toFixed(0)} | ${row.ratioToNginx.toFixed(2)} | ${row.cpuUsPerRequest.toFixed(1)} µs | ${row.rssMiB.toFixed(0)} MiB | ${row.errors} | ${lat} |`);
    }
    report.md.push('');
  }
  const rpsOf = (scenario: string, k: string) => (json.find((x) => x.scenario === scenario && x.target === k)?.rps as number | undefined) ?? NaN;
  const ratio = (scenario: string, a: string, b: string) => rpsOf(scenario, a) / rpsOf(scenario, b);
  /** Target a in one scenario over target b in another (the rate-limited route against the plain one). */
  const ratio2 = (sa: string, a: string, sb: string, b: string) => rpsOf(sa, a) / rpsOf(sb, b);
  const targetsMd = [
    ['HTTP/1.1 small, Portico ÷ @fastify/http-proxy', ratio('h1-small', 'Portico', '@fastify/http-proxy'), 1.5],
    ['HTTP/1.1 small, Portico ÷ node:http proxy', ratio('h1-small', 'Portico', 'node:http proxy'), 1.2],
    [`HTTP/1.1 small, Portico (${cores} workers) ÷ nginx (${cores} workers)`, ratio('h1-small', `Portico, ${cores} workers`, `nginx, ${cores} workers`), 0.6],
    ['HTTP/1.1 small, Portico on Deno ÷ Portico on Node', ratio('h1-small', 'Portico on Deno', 'Portico'), 1],
    ['TCP, Portico ÷ nginx stream (1 worker)', ratio('tcp', 'Portico', 'nginx, 1 worker'), 0.9],
    ['HTTPS, Portico ÷ nginx (1 worker)', ratio('https', 'Portico', 'nginx, 1 worker'), 0.5],
    // The same HTTP/1.1 ratios with a TrafficPolicy rate limit on the route (issue 14).
    ['HTTP/1.1 small, global rate limit (Redis): Portico ÷ @fastify/http-proxy', ratio2('h1-ratelimit-global', 'Portico', 'h1-small', '@fastify/http-proxy'), 1.5],
    ['HTTP/1.1 small, global rate limit (Redis): Portico ÷ node:http proxy', ratio2('h1-ratelimit-global', 'Portico', 'h1-small', 'node:http proxy'), 1.2],
    [`HTTP/1.1 small, global rate limit (Redis): Portico (${cores} workers) ÷ nginx (${cores} workers)`, ratio2('h1-ratelimit-global', `Portico, ${cores} workers`, 'h1-small', `nginx, ${cores} workers`), 0.6],
    ['HTTP/1.1 small, local rate limit: Portico ÷ @fastify/http-proxy', ratio2('h1-ratelimit-local', 'Portico', 'h1-small', '@fastify/http-proxy'), 1.5],
  ] as const;
  // The JWT check's cost: the same Portico, the same requests, with and without the verification.
  const cpu = (scenario: string, target: string) => (json.find((x) => x.scenario === scenario && x.target === target)?.cpuUsPerRequest as number | undefined) ?? NaN;
  const jwtRows = ['Portico', `Portico, ${cores} workers`, 'Portico on Deno'].filter((t) => json.some((x) => x.scenario === 'h1-jwt' && x.target === t));
  if (jwtRows.length > 0) {
    report.md.push('### The cost of a JWT check per request (SecurityPolicy jwt, ES256)\n\n| target | req/s with JWT ÷ without | CPU/req without | CPU/req with | JWT check, CPU/req |\n|---|---:|---:|---:|---:|');
    for (const t of jwtRows) {
      report.md.push(`| ${t} | ${(rpsOf('h1-jwt', t) / rpsOf('h1-small', t)).toFixed(2)} | ${cpu('h1-small', t).toFixed(1)} µs | ${cpu('h1-jwt', t).toFixed(1)} µs | ${(cpu('h1-jwt', t) - cpu('h1-small', t)).toFixed(1)} µs |`);
    }
    report.md.push('');
    report.json.jwtCost = jwtRows.map((t) => ({ target: t, rpsRatio: rpsOf('h1-jwt', t) / rpsOf('h1-small', t), cpuUsWithout: cpu('h1-small', t), cpuUsWith: cpu('h1-jwt', t) }));
  }
  report.md.push('### Against the targets of the performance issue\n\n| ratio | measured | target | met |\n|---|---:|---:|:---:|');
  for (const [name, v, goal] of targetsMd) report.md.push(`| ${name} | ${v.toFixed(2)} | ≥ ${goal} | ${v >= goal ? 'yes' : `no (${((v / goal - 1) * 100).toFixed(0)}%)`} |`);
  report.md.push(`\nWhat a rate limit costs Portico (a limit no request reaches): global (a Redis round trip per request) ${(ratio2('h1-ratelimit-global', 'Portico', 'h1-small', 'Portico') * 100).toFixed(0)} % and local (a token bucket) ${(ratio2('h1-ratelimit-local', 'Portico', 'h1-small', 'Portico') * 100).toFixed(0)} % of the plain route's req/s; with ${cores} workers ${(ratio2('h1-ratelimit-global', `Portico, ${cores} workers`, 'h1-small', `Portico, ${cores} workers`) * 100).toFixed(0)} % (global).`);
  if (baseline !== undefined) {
    report.md.push(`\n### This checkout against the baseline (${values.baseline})\n\n| scenario | target | req/s ÷ baseline | CPU/req | baseline CPU/req | CPU/req ÷ baseline |\n|---|---|---:|---:|---:|---:|`);
    for (const s of scenarios) {
      for (const [t, b] of [['Portico', baseline.one.name], [`Portico, ${cores} workers`, baseline.n.name]] as const) {
        if (!json.some((x) => x.scenario === s.id && x.target === b)) continue;
        report.md.push(`| ${s.id} | ${t} | ${ratio(s.id, t, b).toFixed(2)} | ${cpu(s.id, t).toFixed(1)} µs | ${cpu(s.id, b).toFixed(1)} µs | ${(cpu(s.id, t) / cpu(s.id, b)).toFixed(2)} |`);
      }
    }
  }
  const perProcess = rssPerProcess(porticoN.pid);
  report.md.push(`\n"Portico" is \`serve --workers 1\` (one process); "Portico, ${cores} workers" is one control process and ${cores} data-plane workers sharing the ports (SO_REUSEPORT). Its RSS after the run: control ${perProcess.control.toFixed(0)} MiB, workers ${perProcess.workers.map((w) => `${w.toFixed(0)} MiB`).join(', ')}.\n`);
  report.json.workersRss = perProcess;
  report.json.dataplane = json;
  report.json.targets = targetsMd.map(([name, v, goal]) => ({ name, measured: v, goal }));
  for (const p of [nginx1, nginxN, nodeHttp, fastify, portico, porticoN, porticoDeno, ...(baseline ? [baseline.one, baseline.n] : [])]) await p.close();
  await redis.stop();
}

// The origins, started once in main(): their CPU is the run's own, not another process's.
let originPeer: Peer | undefined;
let grpcPeer: Peer | undefined;
const origin = () => originPeer!;
const grpcPid = () => grpcPeer!.pid;

// ---------------------------------------------------------------------------------------------
/** Data-plane workers of the route-table scenario: per-worker memory is what it reports. */
const ROUTE_WORKERS = 2;

async function routeScaling(base: { origin: number; grpcOrigin: number; tls: { cert: string; key: string } }): Promise<void> {
  report.md.push('## Route tables of 10, 1,000 and 10,000 HTTPRoutes (1,000 hostnames, mixed matches)\n');
  report.md.push(`Portico runs \`--workers ${ROUTE_WORKERS}\`: RSS is the whole process tree, then the control process and each worker (targets: control < 300 MiB with 10,000 routes; a worker < 100 MiB with 10 routes, < 150 MiB with 10,000).\n`);
  report.md.push('| routes | req/s (route of the table) | × 10 routes | CPU/req | `serve` ready | RSS ready | RSS ready: control / workers | RSS + 10,000 idle connections | `portico translate` (whole CLI) |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const rows: Record<string, unknown>[] = [];
  // All three tables are started first and measured in alternating rounds, as the data-plane
  // targets are: measured one after the other, a busy minute would read as a cost of table size.
  const tables: { n: number; portico: Awaited<ReturnType<typeof startPortico>>; port: number; i: number; readyMs: number; rssReady: number; perProcess: ReturnType<typeof rssPerProcess>; translateCliMs: number; ms: Measured[] }[] = [];
  for (const n of [10, 1000, 10000]) {
    const dir = writeManifests(join(work, `m-routes-${n}`), { ...base, routes: n });
    const cli = performance.now();
    const tr = spawnSync(process.execPath, [join(ROOT, 'build/bin/portico.js'), 'translate', dir], { maxBuffer: 1 << 30, stdio: ['ignore', 'ignore', 'ignore'] });
    const translateCliMs = performance.now() - cli;
    if (tr.status !== 0) log(`portico translate of ${n} routes exited ${tr.status}`);
    const t0 = performance.now();
    const portico = await startPortico(dir, peerLog, ['--workers', String(ROUTE_WORKERS)], `Portico (${n} routes)`); peers.push(portico);
    const readyMs = performance.now() - t0;
    const rssReady = rssMiB(portico.pid);
    const perProcess = rssPerProcess(portico.pid);
    const i = Math.min(n - 1, 6);
    const port = LISTENER.http + portico.portOffset;
    const status = await probe(port, HOST(i), `/p/${i}/x`);
    if (status !== 200) throw new Error(`route table of ${n}: the probe request answered ${status}, not 200`);
    tables.push({ n, portico, port, i, readyMs, rssReady, perProcess, translateCliMs, ms: [] });
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const t of tables) {
      const m = await measure(`Portico ${t.n}`, t.portico.pid, [origin().pid], (onSpawn) => wrk(`http://127.0.0.1:${t.port}/p/${t.i}/x`, { seconds: SECONDS, connections: 50, headers: { host: HOST(t.i) }, onSpawn }), BUSY);
      log(`round ${r + 1} routes ${t.n}: ${m.rps.toFixed(0)} req/s, ${m.cpuUsPerRequest.toFixed(1)} µs CPU/req${m.busy ? ' (busy)' : ''}`);
      t.ms.push(m);
    }
  }
  const ref = median(tables[0]!.ms.map((m) => m.rps));
  for (const t of tables) {
    const { n, ms, readyMs, rssReady, perProcess, translateCliMs } = t;
    const rps = median(ms.map((m) => m.rps));
    const idle = await idleConnections(t.port, 10_000, HOST(t.i), `/p/${t.i}/x`);
    const rssIdle = rssMiB(t.portico.pid);
    for (const s of idle) s.destroy();
    await t.portico.close();
    const cpuUsPerRequest = median(ms.map((m) => m.cpuUsPerRequest));
    const row = { routes: n, rps, ratioTo10: rps / ref, cpuUsPerRequest, readyMs, rssReadyMiB: rssReady, rssControlMiB: perProcess.control, rssWorkersMiB: perProcess.workers, rssIdle10kMiB: rssIdle, translateCliMs, errors: ms.reduce((a, m) => a + m.errors, 0), busy: ms.some((m) => m.busy) };
    rows.push(row);
    report.md.push(`| ${n.toLocaleString('en')}${row.busy ? ' (busy)' : ''} | ${rps.toFixed(0)} | ${row.ratioTo10.toFixed(2)} | ${cpuUsPerRequest.toFixed(1)} µs | ${(readyMs / 1000).toFixed(2)} s | ${rssReady.toFixed(0)} MiB | ${perProcess.control.toFixed(0)} / ${perProcess.workers.map((w) => w.toFixed(0)).join(', ')} MiB | ${rssIdle.toFixed(0)} MiB | ${(translateCliMs / 1000).toFixed(2)} s |`);
  }
  report.md.push('');
  report.json.routes = rows;
}

/** Opens `count` keep-alive connections, each sends one request and then stays idle. */
async function idleConnections(port: number, count: number, host: string, path: string): Promise<Socket[]> {
  const sockets: Socket[] = [];
  const batch = 500;
  for (let i = 0; i < count; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, count - i) }, () => new Promise<void>((done) => {
      const s = connect(port, '127.0.0.1');
      s.setTimeout(10_000, () => { s.destroy(); done(); });
      s.once('error', () => done());
      s.once('data', () => done());
      s.once('connect', () => s.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`));
      sockets.push(s);
    })));
  }
  await new Promise((r) => setTimeout(r, 1000));
  return sockets;
}

// ---------------------------------------------------------------------------------------------
function matcher(): void {
  report.md.push('## Pure parts: translate() and per-request matching\n');
  report.md.push('In process, no sockets: `translate()` of parsed resources (model parsing timed apart), and the lookup a request does (listener by Host, host bucket, rule matcher) over a mix of exact, prefix, header, method and regex matches plus a miss.\n');
  report.md.push('| routes | parse | translate() | match per request | × 10 routes |\n|---:|---:|---:|---:|---:|');
  const rows: Record<string, unknown>[] = [];
  let ref = NaN;
  for (const n of [10, 1000, 10000]) {
    const t = timeTranslate(n);
    const m = timeMatch(t.table, n);
    if (n === 10) ref = m.nsPerRequest;
    rows.push({ routes: n, parseMs: t.parseMs, translateMs: t.translateMs, matchNs: m.nsPerRequest, matchRatioTo10: m.nsPerRequest / ref });
    report.md.push(`| ${n.toLocaleString('en')} | ${t.parseMs.toFixed(0)} ms | ${t.translateMs.toFixed(0)} ms | ${m.nsPerRequest.toFixed(0)} ns | ${(m.nsPerRequest / ref).toFixed(2)} |`);
  }
  report.md.push('');
  report.json.matcher = rows;
}

// ---------------------------------------------------------------------------------------------
async function controlplane(base: { origin: number; grpcOrigin: number; tls: { cert: string; key: string } }): Promise<void> {
  const target = Number(values['propagation-target']);
  const capMs = Number(values['propagation-cap']) * 1000;
  const results: Propagation[] = [];

  // Files: each route its own file, written atomically.
  {
    const dir = writeManifests(join(work, 'm-cp-files'), { ...base, routes: 0 });
    const portico = await startPortico(dir, peerLog, ['--poll-ms', '1000'], 'Portico (files)'); peers.push(portico);
    const port = LISTENER.http + portico.portOffset;
    results.push(await propagation('files', port, target, capMs, async (i) => writeAtomic(dir, `new-${i}.yaml`, [newRoute(i)])));
    log(`propagation (files): ${JSON.stringify(results.at(-1))}`);
    await portico.close();
  }
  // Kubernetes API (the in-repo test server): POST each route, as kubectl create does.
  {
    const api = await startKubeApiServer();
    try {
      const dir = writeManifests(join(work, 'm-cp-kube'), { ...base, routes: 0 });
      const { parseAllDocuments } = await import('yaml');
      for (const f of ['base.yaml']) for (const d of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) { const o = d.toJS(); if (o) api.store.apply(o); }
      api.store.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
      const token = JSON.parse(readFileSync(api.kubeconfigPath, 'utf8')).users[0].user.token as string;
      const kube = await startKubePortico(api.kubeconfigPath); peers.push(kube);
      const port = LISTENER.http + kube.portOffset;
      const agent = new (await import('undici')).Agent({ connect: { rejectUnauthorized: false } });
      results.push(await propagation('kubernetes', port, target, capMs, async (i) => {
        const res = await fetch(`${api.url}/apis/gateway.networking.k8s.io/v1/namespaces/bench/httproutes`, {
          method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(newRoute(i)),
          dispatcher: agent,
        });
        if (res.status !== 201) throw new Error(`create route ${i}: ${res.status} ${await res.text()}`);
      }));
      log(`propagation (kubernetes): ${JSON.stringify(results.at(-1))}`);
      await kube.close();
    } finally {
      await api.close();
    }
  }
  report.md.push('## Control plane\n');
  report.md.push(`HTTPRoutes created one at a time, each new hostname probed every 5 ms until it answers 200 (time cap ${capMs / 1000} s per mode; target ${target} routes; 404 while not yet routed is not an error).\n`);
  report.md.push('| provider | routes created | mean | p99 | max | first 100 | last 100 | errors |\n|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) report.md.push(`| ${r.mode} | ${r.created}${r.capped ? ` of ${r.target} (time cap)` : ''} | ${r.meanMs.toFixed(1)} ms | ${r.p99Ms.toFixed(1)} ms | ${r.maxMs.toFixed(1)} ms | ${r.first100Ms.toFixed(1)} ms | ${r.last100Ms.toFixed(1)} ms | ${r.errors} |`);
  report.md.push('');
  report.json.propagation = results;

  // Churn: one route flips backend and filters every 200 ms under load; every answer must be 2xx.
  {
    const dir = writeManifests(join(work, 'm-churn'), { ...base, routes: 0 });
    const originB = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'origin-b', namespace: 'bench' }, spec: { ports: [{ name: 'p', port: 8080, protocol: 'TCP' }] } };
    const sliceB = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'origin-b-1', namespace: 'bench', labels: { 'kubernetes.io/service-name': 'origin-b' } },
      addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }], ports: [{ name: 'p', port: base.origin, protocol: 'TCP' }] };
    writeAtomic(dir, 'origin-b.yaml', [originB, sliceB]);
    writeAtomic(dir, 'churn.yaml', [newRoute(0)]);
    const portico = await startPortico(dir, peerLog, ['--poll-ms', '1000'], 'Portico (churn)'); peers.push(portico);
    const port = LISTENER.http + portico.portOffset;
    let flips = 0;
    let stop = false;
    const flipper = (async () => {
      while (!stop) {
        await new Promise((r) => setTimeout(r, 200));
        flips++;
        const filters = flips % 2 ? { filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-flip', value: String(flips) }] } }] } : {};
        writeAtomic(dir, 'churn.yaml', [newRoute(0, flips % 2 ? 'origin-b' : 'origin', filters)]);
      }
    })();
    const load = await wrk(`http://127.0.0.1:${port}/`, { seconds: Math.max(10, SECONDS * 2), connections: 20, headers: { host: 'n0.bench.example.com' } });
    stop = true;
    await flipper;
    await portico.close();
    report.md.push(`Churn: a route flipping backend and a filter every 200 ms (${flips} changes) under load: ${load.requests} requests, **${load.errors} not 2xx**.\n`);
    report.json.churn = { flips, requests: load.requests, errors: load.errors };
  }

  // Burst: 1,000 routes written at once on top of 3,000; time until attachedRoutes counts them all.
  {
    const dir = writeManifests(join(work, 'm-burst'), { ...base, routes: 3000 });
    const portico = await startPortico(dir, peerLog, ['--poll-ms', '1000'], 'Portico (burst)'); peers.push(portico);
    const before = await attachedRoutes(portico.admin, 'bench/bench', 'http');
    const t0 = performance.now();
    writeAtomic(dir, 'burst.yaml', Array.from({ length: 1000 }, (_, i) => newRoute(10_000 + i)));
    let after = before;
    while (after < before + 1000 && performance.now() - t0 < 60_000) {
      await new Promise((r) => setTimeout(r, 10));
      after = await attachedRoutes(portico.admin, 'bench/bench', 'http');
    }
    const ms = performance.now() - t0;
    await portico.close();
    report.md.push(`Burst: 1,000 routes created at once on top of ${before.toLocaleString('en')} attached: all counted in \`attachedRoutes\` after **${(ms / 1000).toFixed(2)} s** (${after - before} of 1,000 seen).\n`);
    report.json.burst = { before, after, ms };
  }
}

async function startKubePortico(kubeconfig: string) {
  const { spawn } = await import('node:child_process');
  const { freePort, freePortOffset } = await import('./lib/peers.ts');
  const admin = `127.0.0.1:${await freePort()}`;
  const portOffset = await freePortOffset();
  const child = spawn(process.execPath, [join(ROOT, 'build/bin/portico.js'), 'serve', '--kubernetes', '--kubeconfig', kubeconfig,
    '--lease-namespace', 'bench', '--admin', admin, '--port-offset', String(portOffset), '--access-log', 'off'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => peerLog.push(String(d)));
  child.stderr!.on('data', (d) => peerLog.push(String(d)));
  const until = Date.now() + 60_000;
  while (!(await fetch(`http://${admin}/readyz`).then((r) => r.status === 200, () => false))) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`portico --kubernetes not ready\n${peerLog.slice(-20).join('')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    name: 'Portico (kubernetes)', pid: child.pid!, admin, portOffset,
    // Closed once by its scenario and again by the run's final cleanup: the second call must not
    // wait for an 'exit' that already happened (it did, and the finished run never returned).
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function writeReport(): void {
  report.md.push(`\nWhole run: ${((Date.now() - started) / 60000).toFixed(1)} minutes.`);
  mkdirSync(values.out!, { recursive: true });
  const md = report.md.join('\n') + '\n';
  writeFileSync(join(values.out!, 'latest.md'), md);
  writeFileSync(join(values.out!, 'latest.json'), JSON.stringify(report.json, null, 2) + '\n');
  process.stdout.write(md);
}

try {
  await main();
  writeReport();
} catch (err) {
  log(`failed: ${(err as Error).stack}\n--- peer output ---\n${peerLog.slice(-30).join('')}`);
  // What was measured before the failure is still written, with the failure said in it.
  report.md.push(`\n**The run stopped early:** ${(err as Error).message.split('\n')[0]}`);
  report.json.failed = (err as Error).message;
  writeReport();
  process.exitCode = 1;
} finally {
  for (const p of peers.reverse()) await p.close().catch(() => {});
  rmSync(work, { recursive: true, force: true });
}
