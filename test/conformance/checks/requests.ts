// Sends a case's requests the way upstream's helpers do and checks the answers.
import { randomUUID } from 'node:crypto';
import type { RequestSpec } from '../case-types.ts';
import { type HttpRequest, send } from '../client/http-client.ts';
import { wsExchange } from '../client/ws-client.ts';
import { compareRoundTrip, parseEcho, type Sent } from './http-compare.ts';
import { probeGrpc, probeStream, probeUdp, streamEventually, streamSamples } from './l4-probes.ts';
import { clientCert, type RequestEnv, resolveTarget, roots, sleep, type Target } from './target.ts';
import { backendOfPod, checkDistribution, DEFAULT_TIMING, eventually, pool } from './timing.ts';

function appendQuery(path: string, kv: string): string {
  return path + (path.includes('?') ? '&' : '?') + kv;
}

/** The request as a Go client would build it, plus what CompareRoundTrip needs to know about it. */
async function buildHttp(env: RequestEnv, r: RequestSpec, t: Target, path: string, extraHeaders: Record<string, string> = {}): Promise<{ req: HttpRequest; sent: Sent }> {
  const proto = (r.protocol ?? 'HTTP').toUpperCase();
  const scheme = proto === 'HTTPS' || proto === 'H2' ? 'https' : 'http';
  const urlPort = (scheme === 'http' && t.listenerPort === 80) || (scheme === 'https' && t.listenerPort === 443) ? '' : String(t.listenerPort);
  const host = r.request?.host ?? (urlPort ? `${t.address}:${urlPort}` : t.address);
  const headers: Record<string, string> = { ...(r.request?.headers ?? {}), ...extraHeaders };
  headers['X-Echo-Set-Header'] = Object.entries(r.backendSetResponseHeaders ?? {}).map(([k, v]) => `${k}:${v}`).join(',');
  const req: HttpRequest = {
    scheme, address: t.address, port: t.port, host, method: r.request?.method ?? 'GET', path, headers, body: r.request?.body,
    http2: proto === 'H2' || proto === 'H2C', timeoutMs: 10000,
  };
  if (scheme === 'https') {
    req.sni = r.request?.sni ?? r.request?.host;
    req.roots = await roots(env, r);
    req.clientCert = clientCert(env, r.request?.clientCert);
  }
  return { req, sent: { scheme, path, host, urlPort } };
}

const REDIRECTS = [301, 302, 303, 307, 308];

/**
 * Go's client follows redirects (up to 10) unless the request says not to. Only the gateway's own
 * address is reachable here, so a redirect elsewhere fails the way a Go client without that
 * network would.
 */
async function sendFollowing(req: HttpRequest, t: Target, offset: number, unfollow: boolean) {
  let cur = req;
  for (let hop = 0; ; hop++) {
    const res = await send(cur);
    const loc = res.headers.Location?.[0];
    if (unfollow || !REDIRECTS.includes(res.status) || !loc) return res;
    if (hop >= 10) throw new Error('stopped after 10 redirects');
    const u = new URL(loc, `${cur.scheme}://${cur.host}${cur.path}`);
    if (u.hostname !== t.address) throw new Error(`redirect to ${loc} leaves the loopback network`);
    const scheme = u.protocol === 'https:' ? 'https' : 'http';
    const port = Number(u.port || (scheme === 'https' ? 443 : 80));
    const toGet = res.status <= 303 && cur.method !== 'HEAD';
    cur = { ...cur, scheme, address: u.hostname, port: port + offset, host: u.host, path: u.pathname + u.search,
      method: toGet ? 'GET' : cur.method, body: toGet ? undefined : cur.body, http2: cur.http2 && scheme === 'https' };
  }
}

async function probeHttp(env: RequestEnv, r: RequestSpec, t: Target, decorate: (p: string) => string, onEcho?: (pod: string) => void, extra?: Record<string, string>): Promise<string | undefined> {
  const path = decorate(r.request?.path ?? '/');
  const { req, sent } = await buildHttp(env, r, t, path, extra);
  let res;
  try { res = await sendFollowing(req, t, env.portOffset, !!r.request?.unfollowRedirect); } catch (e) { return `request failed: ${(e as Error).message}`; }
  const spec: RequestSpec = r.expectedRequest?.path ? { ...r, expectedRequest: { ...r.expectedRequest, path: decorate(r.expectedRequest.path) } } : r;
  const isHttpClientCert = req.scheme === 'http' && r.request?.clientCert;
  const err = compareRoundTrip(spec, sent, res, path, isHttpClientCert ? clientCert(env, r.request?.clientCert)?.cert : undefined);
  if (!err && onEcho) { const e = parseEcho(res.body); if (e?.pod) onEcho(e.pod); }
  return err;
}

/** One probe of any protocol (the retry uuid is fresh per probe, the mirror id fixed per request). */
function prober(env: RequestEnv, r: RequestSpec, t: Target, mirrorId?: string) {
  const proto = (r.protocol ?? 'HTTP').toUpperCase();
  return async (onPod?: (pod: string) => void, extra?: Record<string, string>): Promise<string | undefined> => {
    if (proto === 'GRPC') return probeGrpc(r, t, onPod);
    if (proto === 'UDP') return probeUdp(r, t, onPod);
    if (proto === 'TCP' || proto === 'TLS') return (await probeStream(env, r, t, onPod)).error;
    if (proto === 'WS') {
      const host = r.request?.host ?? `${t.address}${t.listenerPort === 80 ? '' : ':' + t.listenerPort}`;
      return wsExchange(`ws://${t.address}:${t.port}${r.request?.path ?? '/ws'}`, host, `ws://gateway/${env.spec.name}`);
    }
    // One uuid per probe, shared by the request path and the expected backend path.
    const uuid = randomUUID();
    const decorate = (p: string) => {
      let out = p;
      if (p.startsWith('/retry/')) out = appendQuery(out, `uuid=${uuid}`);
      if (mirrorId) out = appendQuery(out, `gateway-api-conformance-request-id=${mirrorId}`);
      return out;
    };
    return probeHttp(env, r, t, decorate, onPod, extra);
  };
}

async function expectFailure(env: RequestEnv, r: RequestSpec, t: Target): Promise<string | undefined> {
  const mode = r.expectFailure === true ? 'non200' : r.expectFailure;
  const proto = (r.protocol ?? 'HTTP').toUpperCase();
  if (mode === 'non200') {
    // upstream MakeRequestAndExpectFailure: 5 non-200 answers in a row; a 200 fails at once;
    // transport errors and 408/504 do not count and are retried.
    const deadline = Date.now() + env.timing.maxTimeMs;
    let streak = 0;
    let last = 'no attempt';
    while (Date.now() < deadline) {
      const { req } = await buildHttp(env, r, t, r.request?.path ?? '/');
      try {
        const res = await send(req);
        if (res.status === 200) return `expected a non-200 answer, got 200 (after ${streak} non-200 answers)`;
        if (res.status !== 408 && res.status !== 504) {
          if (++streak >= 5) return undefined;
          continue;
        }
        last = `HTTP ${res.status}`;
      } catch (e) { last = (e as Error).message; }
      streak = 0;
      await sleep(env.timing.pauseMs);
    }
    return `no 5 consecutive non-200 answers within ${Math.round(env.timing.maxTimeMs / 1000)} s: ${last}`;
  }
  const deadline = Date.now() + env.timing.maxTimeMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proto === 'TLS' || proto === 'TCP') {
      const res = await probeStream(env, r, t);
      if (res.rejected || (mode === 'error' && res.error && res.kind !== 'mismatch')) return undefined;
      last = !res.error ? 'the connection was accepted' : res.kind === 'mismatch' ? `the exchange ran and failed: ${res.error}` : res.error;
    } else {
      const { req } = await buildHttp(env, r, t, r.request?.path ?? '/');
      try { const res = await send(req); last = `got HTTP ${res.status}`; } catch { return undefined; }
    }
    await sleep(env.timing.pauseMs);
  }
  return `expected the connection to be ${mode}: ${last}`;
}

async function distribution(env: RequestEnv, r: RequestSpec, t: Target): Promise<string | undefined> {
  const probe = prober(env, r, t);
  let last: string | undefined;
  for (let attempt = 0; attempt < 10; attempt++) {
    const seen: Record<string, number> = {};
    const errs = await pool(Array.from({ length: 500 }), 10, async () => {
      const jitter: Record<string, string> = Math.random() < 0.5 ? { 'X-Jitter': String(Math.floor(Math.random() * 1e9)) } : {};
      return probe((pod) => { const b = backendOfPod(pod); seen[b] = (seen[b] ?? 0) + 1; }, jitter);
    });
    const err = errs.find((e) => e !== undefined);
    last = err ?? checkDistribution(seen, r.weights!);
    if (!last) return undefined;
  }
  return `weighted distribution: ${last}`;
}

/** Within 3σ of a binomial(n, p) count (p = 0 or 1 leave no slack). */
export function withinThreeSigma(count: number, n: number, p: number): boolean {
  return Math.abs(count - n * p) <= 3 * Math.sqrt(n * p * (1 - p)) + 1e-9;
}

/** Percentage mirrors: 500 requests, each mirror's share of them within 3σ, up to 5 tries. */
async function mirroredPercent(env: RequestEnv, r: RequestSpec, t: Target): Promise<string | undefined> {
  const n = 500;
  let last: string | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const ids = Array.from({ length: n }, () => randomUUID());
    const errs = await pool(ids, 10, (id) => prober(env, r, t, id)());
    last = errs.find((e) => e !== undefined);
    if (last) continue;
    await sleep(2000); // mirrored copies are fire-and-forget
    const wanted = new Set<string>(ids);
    last = undefined;
    for (const m of r.mirroredTo ?? []) {
      const pods = env.world.runningPodsOf(m.namespace ?? 'gateway-conformance-infra', m.name);
      const seen = new Set<string>();
      for (const p of pods) for (const rec of p.ctx.records) {
        const id = /gateway-api-conformance-request-id=([0-9a-f-]+)/.exec(rec.uri)?.[1];
        if (id && wanted.has(id)) seen.add(id);
      }
      const pct = (m.percent ?? 100) / 100;
      if (!withinThreeSigma(seen.size, n, pct)) { last = `mirror ${m.name} got ${seen.size}/${n}, want about ${Math.round(n * pct)} (3σ)`; break; }
    }
    if (!last) return undefined;
  }
  return last;
}

async function mirrored(env: RequestEnv, r: RequestSpec, id: string): Promise<string | undefined> {
  const deadline = Date.now() + 10000;
  for (const m of r.mirroredTo ?? []) {
    const pods = env.world.runningPodsOf(m.namespace ?? 'gateway-conformance-infra', m.name);
    if (pods.length === 0) return `no running pods for mirror ${m.name}`;
    while (!pods.some((p) => p.ctx.records.some((x) => x.uri.includes(id)))) {
      if (Date.now() > deadline) return `mirror ${m.name} never saw request ${id}`;
      await sleep(100);
    }
  }
  return undefined;
}

/** One request entry: undefined when it holds. */
export async function runRequest(env: RequestEnv, r: RequestSpec): Promise<string | undefined> {
  let t: Target;
  try { t = await resolveTarget(env, r.gateway); } catch (e) { return (e as Error).message; }
  if (r.expectFailure) return expectFailure(env, r, t);
  const proto = (r.protocol ?? 'HTTP').toUpperCase();
  if ((proto === 'TCP' || proto === 'TLS') && !r.weights) return r.samples ? streamSamples(env, r, t, r.samples) : streamEventually(env, r, t);
  const mirrorId = r.mirroredTo?.length ? randomUUID() : undefined;
  const probe = prober(env, r, t, mirrorId);
  // UDP: any one answer (or a batch of `samples`) passes; HTTP and gRPC want consecutive successes.
  const threshold = r.samples ?? (proto === 'UDP' ? 1 : env.timing.threshold);
  const err = await eventually(() => probe(), { ...env.timing, threshold });
  if (err) return err;
  if (r.weights) return distribution(env, r, t);
  if (r.mirroredTo?.some((m) => m.percent !== undefined && m.percent !== 100)) return mirroredPercent(env, r, t);
  if (mirrorId) return mirrored(env, r, mirrorId);
  return undefined;
}

export async function runRequests(env: RequestEnv, requests: RequestSpec[], parallel = 6): Promise<string | undefined> {
  const label = (r: RequestSpec) => `${r.protocol ?? 'HTTP'} ${r.request?.host ?? ''}${r.request?.path ?? ''}${r.grpc ? ` ${r.grpc.method}` : ''}${r.request?.sni ? ` sni=${r.request.sni}` : ''}`.replace(/\s+/g, ' ');
  // Weighted checks send hundreds of requests: keep them out of the parallel batch.
  const plain = requests.filter((r) => !r.weights);
  const results = await pool(plain, parallel, (r) => runRequest(env, r));
  const i = results.findIndex((x) => x !== undefined);
  if (i >= 0) return `${label(plain[i])}: ${results[i]}`;
  for (const r of requests.filter((x) => x.weights)) {
    const e = await runRequest(env, r);
    if (e) return `${label(r)}: ${e}`;
  }
  return undefined;
}

export { DEFAULT_TIMING };
export type { RequestEnv } from './target.ts';
