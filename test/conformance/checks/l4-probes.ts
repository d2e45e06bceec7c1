// gRPC, TCP/TLS and UDP probes, with upstream's per-protocol success rules.
import type { ExpectJson, RequestSpec } from '../case-types.ts';
import { grpcCall, grpcCodeOf } from '../client/grpc-client.ts';
import { converse, type ConverseResult, dnsQuery, udpExchange } from '../client/l4-client.ts';
import { type RequestEnv, roots, sleep, type Target } from './target.ts';
import { backendOfPod } from './timing.ts';

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

/** One TCP/TLS conversation; `onPod` gets the pod of each JSON reply that passed its check (weights). */
export async function probeStream(env: RequestEnv, r: RequestSpec, t: Target, onPod?: (pod: string) => void): Promise<ConverseResult> {
  const isTLS = (r.protocol ?? '').toUpperCase() === 'TLS';
  const podOf = (line: string) => { try { return String(JSON.parse(line).pod ?? ''); } catch { return ''; } };
  const exchange = (r.tcp?.exchange ?? []).map((x) => ({
    send: x.send,
    check: (line: string) => {
      if (x.expect !== undefined) return line === x.expect ? undefined : `got ${JSON.stringify(line)}, want ${JSON.stringify(x.expect)}`;
      const err = checkJson(line, x.expectJson);
      if (!err && onPod && podOf(line)) onPod(podOf(line));
      return err;
    },
  }));
  const connectOnly = r.tcp?.connectOnly ?? (!r.tcp && true);
  return converse({
    address: t.address, port: t.port, timeoutMs: 10000,
    tls: isTLS ? { sni: r.request?.sni, roots: await roots(env, r) } : undefined,
    conv: { welcome: r.tcp?.welcome, exchange, connectOnly },
  });
}

export async function probeUdp(r: RequestSpec, t: Target, onPod?: (pod: string) => void): Promise<string | undefined> {
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

export async function probeGrpc(r: RequestSpec, t: Target, onPod?: (pod: string) => void): Promise<string | undefined> {
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

/**
 * upstream tcp.MakeTCPRequestAndExpectEventuallyValidResponse: dial and read errors are retried,
 * but the first complete exchange must satisfy every expectation.
 */
export async function streamEventually(env: RequestEnv, r: RequestSpec, t: Target): Promise<string | undefined> {
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

/**
 * `samples` TCP/TLS conversations after the first valid one, each on a new connection, every one
 * must pass (upstream loops of tcp.EchoSendOnce with require.NoError: no retry).
 */
export async function streamSamples(env: RequestEnv, r: RequestSpec, t: Target, samples: number): Promise<string | undefined> {
  const first = await streamEventually(env, r, t);
  if (first) return first;
  for (let i = 0; i < samples; i++) {
    const res = await probeStream(env, r, t);
    if (res.error) return `sample ${i + 1}/${samples}: ${res.error}`;
  }
  return undefined;
}

