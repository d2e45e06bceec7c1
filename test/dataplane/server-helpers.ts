// Shared by the server-side data plane tests: IR builders, an echo backend and h1/h2 clients.
import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type {
  CertificateIR, FilterIR, GatewayIR, HttpBackendIR, HttpHostIR, HttpMatchIR, HttpRuleIR, ListenerIR, ListenerTlsIR, PortIR, RoutingTable,
} from '../../gateway/ir/index.ts';
import type { AccessRecord } from '../../gateway/dataplane/observer.ts';

export function backend(name: string, port: number, extra: Partial<HttpBackendIR> = {}): HttpBackendIR {
  return {
    id: `Service:ns/${name}:8080`, kind: 'Service', namespace: 'ns', name, port: 8080, weight: 1, protocol: 'http1',
    endpoints: [{ address: '127.0.0.1', port, pod: `${name}-pod` }], filters: [], ...extra,
  };
}

let ruleSeq = 0;
export function httpRule(match: Partial<HttpMatchIR> = {}, opts: Partial<HttpRuleIR> = {}): HttpRuleIR {
  const n = ruleSeq++;
  const name = opts.route?.name ?? `route-${n}`;
  return {
    id: `HTTPRoute/ns/${name}/0/0`,
    route: { kind: 'HTTPRoute', namespace: 'ns', name, ruleIndex: 0, matchIndex: 0 },
    match: { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [], ...match },
    filters: [], backends: [], timeouts: {}, grpc: false, ...opts,
  };
}

export function direct(status: number, reason: string, match: Partial<HttpMatchIR> = {}, filters: FilterIR[] = []): HttpRuleIR {
  return httpRule(match, { direct: { status, reason }, filters });
}

export function listener(id: string, protocol: 'HTTP' | 'HTTPS', hostname: string | undefined, http: HttpHostIR[], tls?: ListenerTlsIR): ListenerIR {
  return { id, source: { kind: 'Gateway', namespace: 'ns', name: 'gw', sectionName: id }, protocol, hostname, http, ...(tls ? { tls } : {}) };
}

export function cert(pem: { certPem: string; keyPem: string }, dnsNames: string[], secret = 'ns/cert'): CertificateIR {
  return { secret, certPem: pem.certPem, keyPem: pem.keyPem, dnsNames };
}

export function gateway(ports: PortIR[], key = 'ns/gw', addresses = ['127.0.0.1']): GatewayIR {
  const [namespace, name] = key.split('/') as [string, string];
  return { key, namespace, name, addresses, ports };
}

export function port(p: number, listeners: ListenerIR[]): PortIR {
  return { port: p, transport: 'tcp', listeners };
}

export function table(...gateways: GatewayIR[]): RoutingTable {
  return { gateways };
}

/** An HTTP/1.1 echo backend: answers JSON describing the request it received. */
export async function startEcho(name: string): Promise<{ port: number; close(): Promise<void>; server: http.Server }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({ backend: name, method: req.method, path: req.url, host: req.headers.host, headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { 'content-type': 'application/json', 'x-echo': name });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  alpn?: string | false;
  peerCertCN?: string;
}

export interface ReqOpts {
  host?: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  tls?: { servername?: string; ca: string; cert?: string; key?: string };
}

// The chain is still verified against the CA; which certificate was served is asserted by CN.
const noNameCheck = () => undefined;

/** One HTTP/1.1 request on a fresh connection (no pooling: each call tests a new connection). */
export function h1(port: number, o: ReqOpts = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(o.host !== undefined ? { host: o.host } : {}), ...o.headers };
    const common = { host: '127.0.0.1', port, path: o.path ?? '/', method: o.method ?? 'GET', headers, agent: false as const, timeout: 5000, setHost: o.host === undefined };
    const req = o.tls
      ? https.request({ ...common, servername: o.tls.servername, ca: o.tls.ca, cert: o.tls.cert, key: o.tls.key, checkServerIdentity: noNameCheck, ALPNProtocols: ['http/1.1'] } as https.RequestOptions)
      : http.request(common);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const sock = res.socket as import('node:tls').TLSSocket;
        resolve({
          status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(),
          alpn: sock.alpnProtocol ?? undefined, peerCertCN: o.tls ? (sock.getPeerCertificate?.().subject?.CN as string | undefined) : undefined,
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** One HTTP/2 request: h2c prior knowledge on plain ports, ALPN h2 with `tls`. */
export function h2(port: number, o: ReqOpts = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const authority = o.tls ? `https://127.0.0.1:${port}` : `http://127.0.0.1:${port}`;
    const session = http2.connect(authority, o.tls ? { servername: o.tls.servername, ca: o.tls.ca, cert: o.tls.cert, key: o.tls.key, checkServerIdentity: noNameCheck } : {});
    const timer = setTimeout(() => { session.destroy(); reject(new Error('h2 client timeout')); }, 5000);
    session.on('error', (e) => { clearTimeout(timer); reject(e); });
    let cn: string | undefined;
    let alpn: string | undefined;
    session.on('connect', (_s, socket) => {
      alpn = session.alpnProtocol;
      if (o.tls) cn = (socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN as string | undefined;
    });
    const stream = session.request({
      ':method': o.method ?? 'GET', ':path': o.path ?? '/', ':authority': o.host ?? `127.0.0.1:${port}`, ...o.headers,
    });
    let status = 0;
    let headers: Record<string, string | string[] | undefined> = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => { status = Number(h[':status']); headers = h as typeof headers; });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      clearTimeout(timer);
      if (status === 0) {
        session.destroy();
        reject(new Error('stream ended without a response'));
        return;
      }
      const reply: Reply = { status, headers, body: Buffer.concat(chunks).toString(), alpn, peerCertCN: cn };
      session.close();
      resolve(reply);
    });
    stream.on('error', (e) => { clearTimeout(timer); session.destroy(); reject(e); });
    stream.end(o.body);
  });
}

/** Collects access records. */
export function recorder(): { records: AccessRecord[]; observer: { onRequest(r: AccessRecord): void } } {
  const records: AccessRecord[] = [];
  return { records, observer: { onRequest: (r) => records.push(r) } };
}

export function boundPort(result: { listening: { port: number; boundPort: number; gateway: string }[] }, p: number, gw = 'ns/gw'): number {
  const s = result.listening.find((l) => l.port === p && l.gateway === gw);
  if (!s) throw new Error(`port ${p} of ${gw} not listening: ${JSON.stringify(result)}`);
  return s.boundPort;
}
