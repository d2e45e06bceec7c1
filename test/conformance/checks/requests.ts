// Sends a case's requests the way upstream's helpers do and checks the answers.
import { randomUUID } from 'node:crypto';
import type { CaseSpec, ExpectJson, RequestSpec } from '../case-types.ts';
import { grpcCall, grpcCodeOf } from '../client/grpc-client.ts';
import { type HttpRequest, send } from '../client/http-client.ts';
import { converse, type ConverseResult, dnsQuery, udpExchange } from '../client/l4-client.ts';
import { wsExchange } from '../client/ws-client.ts';
import type { CertStore } from '../certs.ts';
import type { GatewayProcess, StatusObject } from '../gateway-process.ts';
import { decodedData } from '../pods.ts';
import type { World } from '../world.ts';
import { compareRoundTrip, parseEcho, type Sent } from './http-compare.ts';
import { backendOfPod, checkDistribution, DEFAULT_TIMING, eventually, pool, type Timing } from './timing.ts';

export interface RequestEnv {
  spec: CaseSpec;
  world: World;
  gateway: GatewayProcess;
  certs: CertStore;
  portOffset: number;
  timing: Timing;
}

interface Target { address: string; port: number; listenerPort: number }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function resolveTarget(env: RequestEnv, alias: string): Promise<Target> {
  const g = env.spec.gateways?.[alias];
  if (!g) throw new Error(`unknown gateway alias ${alias}`);
  const live = env.world.store.get('Gateway', g.namespace, g.name);
  let listeners: any[] = ((live?.spec as any)?.listeners ?? []);
  let l = listeners.find((x) => x.name === g.listener);
  if (!l) {
    // A listener of a ListenerSet attached to this Gateway.
    for (const ls of env.world.store.list().filter((o) => o.kind === 'ListenerSet')) {
      const p = (ls.spec as any)?.parentRef;
      if (p?.name === g.name && (p.namespace ?? ls.metadata.namespace) === g.namespace) {
        listeners = [...listeners, ...((ls.spec as any)?.listeners ?? [])];
      }
    }
    l = listeners.find((x) => x.name === g.listener) ?? listeners[0];
  }
  if (!l) throw new Error(`Gateway ${g.namespace}/${g.name} has no listener ${g.listener}`);
  const deadline = Date.now() + env.timing.maxTimeMs;
  let st: StatusObject | undefined;
  while (Date.now() < deadline) {
    st = (await env.gateway.status()).find((o) => o.kind === 'Gateway' && o.metadata.name === g.name && o.metadata.namespace === g.namespace);
    if (st?.status?.addresses?.[0]?.value) break;
    await sleep(250);
  }
  const address = st?.status?.addresses?.[0]?.value;
  if (!address) throw new Error(`Gateway ${g.namespace}/${g.name} has no status.addresses`);
  return { address, port: l.port + env.portOffset, listenerPort: l.port };
}

function dataOf(env: RequestEnv, kind: string, namespace: string, name: string): Record<string, string> | undefined {
  return decodedData(env.world.store.get(kind, namespace, name));
}

async function roots(env: RequestEnv, r: RequestSpec): Promise<string[]> {
  const sc = r.request?.serverCertificate;
  if (sc) {
    const v = dataOf(env, sc.kind, sc.namespace, sc.name)?.[sc.key];
    if (!v) throw new Error(`serverCertificate ${sc.kind} ${sc.namespace}/${sc.name}[${sc.key}] not found`);
    return [v];
  }
  return (await env.certs.all()).map((m) => m.cert);
}

function clientCert(env: RequestEnv, ref: string | undefined): { cert: string; key: string } | undefined {
  if (!ref) return undefined;
  const [ns, name] = ref.includes('/') ? ref.split('/') : ['gateway-conformance-infra', ref];
  const d = dataOf(env, 'Secret', ns, name);
  if (!d?.['tls.crt']) throw new Error(`client certificate Secret ${ref} not found`);
  return { cert: d['tls.crt'], key: d['tls.key'] };
}

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

function checkJson(line: string, want: ExpectJson | undefined): string | undefined {
  if (!want) return undefined;
  let v: any;
  try { v = JSON.parse(line); } catch { return `not JSON: ${line.slice(0, 80)}`; }
  if (want.namespace !== undefined && v.namespace !== want.namespace) return `namespace ${v.namespace}, want ${want.namespace}`;
  if (want.service !== undefined && v.service !== want.service) return `service ${v.service}, want ${want.service}`;
  if (want.podPrefix !== undefined && !String(v.pod ?? '').startsWith(want.podPrefix)) return `pod ${v.pod}, want prefix ${want.podPrefix}`;
  if (want.podBackend !== undefined && backendOfPod(String(v.pod ?? '')) !== want.podBackend) return `pod ${v.pod}, want backend ${want.podBackend}`;
  if (want.podNonEmpty && !v.pod) return 'empty pod name';
  if (want.isTLS !== undefined && v.isTLS !== want.isTLS) return `isTLS ${v.isTLS}, want ${want.isTLS}`;
  if (want.tlsServerName !== undefined && v.tls?.serverName !== want.tlsServerName) return `TLS server name ${v.tls?.serverName}, want ${want.tlsServerName}`;
  if (want.negotiatedProtocol !== undefined && v.tls?.negotiatedProtocol !== want.negotiatedProtocol) return `ALPN ${v.tls?.negotiatedProtocol}, want ${want.negotiatedProtocol}`;
  return undefined;
}

async function probeStream(env: RequestEnv, r: RequestSpec, t: Target): Promise<ConverseResult> {
  const isTLS = (r.protocol ?? '').toUpperCase() === 'TLS';
  const exchange = (r.tcp?.exchange ?? []).map((x) => ({
    send: x.send,
    check: (line: string) => x.expect !== undefined ? (line === x.expect ? undefined : `got ${JSON.stringify(line)}, want ${JSON.stringify(x.expect)}`) : checkJson(line, x.expectJson),
  }));
  const connectOnly = r.tcp?.connectOnly ?? (!r.tcp && true);
  return converse({
    address: t.address, port: t.port, timeoutMs: 10000,
    tls: isTLS ? { sni: r.request?.sni, roots: await roots(env, r) } : undefined,
    conv: { welcome: r.tcp?.welcome, exchange, connectOnly },
  });
}

async function probeUdp(r: RequestSpec, t: Target, onPod?: (pod: string) => void): Promise<string | undefined> {
  const u = r.udp ?? {};
  if (u.dnsQuery) {
    const q = typeof u.dnsQuery === 'string' ? { name: u.dnsQuery, type: 'A' } : u.dnsQuery;
    const res = await udpExchange({ address: t.address, port: t.port, payload: dnsQuery(q.name, q.type), timeoutMs: 2000 });
    if (res.error) return res.error;
    if ((res.reply!.length < 12)) return 'short DNS answer';
    return undefined;
  }
  const res = await udpExchange({ address: t.address, port: t.port, payload: Buffer.from(u.send ?? 'ping'), timeoutMs: 2000 });
  if (res.error) return res.error;
  const text = res.reply!.toString('utf8');
  const want = u.expectJson ?? r.expectJson;
  if (want) { const e = checkJson(text, want); if (e) return e; }
  else if (u.expect && u.expect !== 'any' && !u.expect.startsWith('any ') && text !== u.expect) return `UDP reply ${text.slice(0, 80)}, want ${u.expect}`;
  try { const v = JSON.parse(text); if (r.backend && !String(v.pod ?? '').startsWith(r.backend)) return `pod ${v.pod}, want ${r.backend}`; if (v.pod) onPod?.(v.pod); } catch { /* not JSON: checked above */ }
  return undefined;
}

async function probeGrpc(r: RequestSpec, t: Target, onPod?: (pod: string) => void): Promise<string | undefined> {
  const g = r.grpc ?? {};
  const authority = r.request?.host ?? `${t.address}:${t.listenerPort}`;
  const res = await grpcCall({ address: t.address, port: t.port, authority, service: g.service ?? 'gateway_api_conformance.echo_basic.grpcecho.GrpcEcho', method: g.method ?? 'Echo', metadata: g.metadata });
  const want = grpcCodeOf(r.response?.grpcCode);
  if (res.code !== want) return `gRPC code ${res.code} (${res.details}), want ${want}`;
  if (want !== 0) return undefined;
  const a = res.response?.assertions;
  const ns = r.namespace ?? 'gateway-conformance-infra';
  if ((a?.context?.namespace ?? '') !== ns) return `namespace ${a?.context?.namespace}, want ${ns}`;
  if (r.backend && !String(a?.context?.pod ?? '').startsWith(r.backend)) return `pod ${a?.context?.pod}, want ${r.backend}`;
  if (a?.context?.pod) onPod?.(a.context.pod);
  return undefined;
}

/** One probe of any protocol (the retry uuid is fresh per probe, the mirror id fixed per request). */
function prober(env: RequestEnv, r: RequestSpec, t: Target, mirrorId?: string) {
  const proto = (r.protocol ?? 'HTTP').toUpperCase();
  return async (onPod?: (pod: string) => void, extra?: Record<string, string>): Promise<string | undefined> => {
    if (proto === 'GRPC') return probeGrpc(r, t, onPod);
    if (proto === 'UDP') return probeUdp(r, t, onPod);
    if (proto === 'TCP' || proto === 'TLS') return (await probeStream(env, r, t)).error;
    if (proto === 'WS') {
      const host = r.request?.host ?? `${t.address}${t.listenerPort === 80 ? '' : ':' + t.listenerPort}`;
      return wsExchange(`ws://${t.address}:${t.port}${r.request?.path ?? '/ws'}`, host, `ws://gateway/${env.spec.name}`);
    }
    const decorate = (p: string) => {
      let out = p;
      if (p.startsWith('/retry/')) out = appendQuery(out, `uuid=${randomUUID()}`);
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
    for (let i = 0; i < 5; i++) {
      const { req } = await buildHttp(env, r, t, r.request?.path ?? '/');
      try {
        const res = await send(req);
        if (res.status === 200) return `expected a non-200 answer, got 200 (attempt ${i + 1})`;
      } catch { /* a transport failure is a non-200 outcome */ }
    }
    return undefined;
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

/**
 * upstream tcp.MakeTCPRequestAndExpectEventuallyValidResponse: dial and read errors are retried,
 * but the first complete exchange must satisfy every expectation.
 */
async function streamEventually(env: RequestEnv, r: RequestSpec, t: Target): Promise<string | undefined> {
  const deadline = Date.now() + env.timing.maxTimeMs;
  let last = 'no attempt';
  while (Date.now() < deadline) {
    const res = await probeStream(env, r, t);
    if (!res.error) return undefined;
    if (res.kind === 'mismatch') return res.error;
    last = res.error;
    await sleep(env.timing.pauseMs);
  }
  return `no valid exchange within ${Math.round(env.timing.maxTimeMs / 1000)} s: ${last}`;
}

/** One request entry: undefined when it holds. */
export async function runRequest(env: RequestEnv, r: RequestSpec): Promise<string | undefined> {
  let t: Target;
  try { t = await resolveTarget(env, r.gateway); } catch (e) { return (e as Error).message; }
  if (r.expectFailure) return expectFailure(env, r, t);
  const proto = (r.protocol ?? 'HTTP').toUpperCase();
  if ((proto === 'TCP' || proto === 'TLS') && !r.weights) return streamEventually(env, r, t);
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
