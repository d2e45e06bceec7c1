// The admin endpoint: health, readiness, status, the applied config and metrics. Bound to
// loopback by default: /config shows backends and certificates (keys redacted).
import { createServer, type Server } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { PipelineState } from '../pipeline.ts';
import { buildStatusList, redactTable } from './status.ts';

export interface AdminState {
  /** The last applied state, undefined before the first apply. */
  current?: PipelineState;
  /** Set first thing on SIGTERM: /readyz answers 503 so load balancers stop sending. */
  draining?: boolean;
  /** With data-plane workers: why not every worker serves the current table (undefined: all do). */
  notReady?: () => string | undefined;
}

/** Where /metrics comes from: a prom-client Registry, or the control process's aggregate over its workers. */
export interface MetricsSource {
  registry: { metrics(): Promise<string>; contentType: string };
}

export interface AdminServer {
  state: AdminState;
  /** "host:port" actually bound (port 0 resolves here). */
  address: string;
  close(): Promise<void>;
}

/** Ready = a config has been applied and every socket it asked for was opened. */
export function isReady(state: AdminState): boolean {
  const s = state.current;
  return !state.draining && !!s && s.apply.errors.length === 0 && state.notReady?.() === undefined;
}

function notReadyReason(state: AdminState): string {
  const s = state.current;
  if (state.draining) return 'draining';
  if (!s) return 'no config applied yet';
  if (s.apply.errors.length > 0) return s.apply.errors.map((e) => `${e.address}:${e.port} ${e.message}`).join('; ');
  return state.notReady?.() ?? '';
}

export function splitHostPort(value: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(value);
  if (!m) throw new Error(`expected HOST:PORT, got ${value}`);
  return { host: m[1] || '127.0.0.1', port: Number(m[2]) };
}

/** Paths a probes listener serves: what the kubelet and Prometheus need, nothing that reveals the routing table. */
export const PROBE_ENDPOINTS = ['/healthz', '/readyz', '/metrics'];
const ALL_ENDPOINTS = ['/healthz', '/readyz', '/status', '/config', '/metrics'];

export interface AdminServerOptions {
  /** Serve only these paths (others answer 404). @default every endpoint */
  endpoints?: readonly string[];
  /** When set, /status and /config answer 401 unless `Authorization: Bearer <token>` is sent. */
  token?: string;
}

/** The endpoints that reveal the routing table (backends, hostnames, certificates' subjects). */
export const SENSITIVE_ENDPOINTS: readonly string[] = ['/status', '/config'];

/** Compares digests, so the time taken says nothing about how much of the token was right. */
function tokenMatches(header: string | undefined, token: string): boolean {
  if (header === undefined || !header.startsWith('Bearer ')) return false;
  const a = createHash('sha256').update(header.slice(7).trim()).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/** 127.0.0.0/8, ::1 and localhost: only processes on this host (or pod) can connect. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export async function startAdminServer(listen: string, metrics: MetricsSource, state: AdminState = {}, options: AdminServerOptions = {}): Promise<AdminServer> {
  const { host, port } = splitHostPort(listen);
  const endpoints = options.endpoints ?? ALL_ENDPOINTS;
  const json = (body: unknown) => JSON.stringify(body, null, 2) + '\n';
  // /status is built and serialized once per applied state: with thousands of routes that is
  // tens of milliseconds of the control process's time, which a client polling for readiness
  // (or a dashboard) would otherwise take from the next reload on every request.
  let statusBody: { state: PipelineState | undefined; body: string } | undefined;
  const statusJson = (s: PipelineState | undefined): string => {
    if (statusBody?.state !== s || statusBody === undefined) {
      statusBody = { state: s, body: json(s ? buildStatusList(s.statuses, s.snapshot, s.problems) : { apiVersion: 'v1', kind: 'List', items: [], problems: [] }) };
    }
    return statusBody.body;
  };
  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (code: number, body: string, type = 'application/json') => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, json({ error: 'method not allowed' }));
      const s = state.current;
      if (options.token !== undefined && SENSITIVE_ENDPOINTS.includes(path) && endpoints.includes(path) && !tokenMatches(req.headers.authorization, options.token)) {
        res.writeHead(401, { 'content-type': 'application/json', 'cache-control': 'no-store', 'www-authenticate': 'Bearer realm="portico-admin"' });
        return res.end(json({ error: `${path} needs Authorization: Bearer <the --admin-token-file token>` }));
      }
      switch (endpoints.includes(path) ? path : '') {
        case '/healthz': return send(200, 'ok\n', 'text/plain');
        case '/readyz': return isReady(state)
          ? send(200, 'ready\n', 'text/plain')
          : send(503, `not ready: ${notReadyReason(state)}\n`, 'text/plain');
        case '/status': return send(200, statusJson(s));
        case '/config': return send(s ? 200 : 503, json(s ? { generation: s.generation, appliedAt: s.appliedAt, table: redactTable(s.table) } : { error: 'no config applied yet' }));
        case '/metrics': return send(200, await metrics.registry.metrics(), metrics.registry.contentType);
        default: return send(404, json({ error: `no such endpoint ${path}`, endpoints }));
      }
    } catch (err) {
      send(500, json({ error: String(err) }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => { server.off('error', reject); resolve(); });
  });
  const a = server.address() as AddressInfo;
  return {
    state,
    address: `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
