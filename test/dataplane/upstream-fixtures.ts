// IR builders and loopback backends for the upstream tests.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createH2Server, connect as h2connect } from 'node:http2';
import type { Http2Server } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { request } from 'node:http';
import type { HttpBackendIR, HttpRuleIR, BackendProtocol, EndpointIR } from '../../gateway/ir/index.ts';

export function backend(id: string, ports: number[], extra: Partial<HttpBackendIR> = {}): HttpBackendIR {
  return {
    id: `Service:test/${id}:80`,
    kind: 'Service',
    namespace: 'test',
    name: id,
    port: 80,
    weight: 1,
    protocol: 'http1' as BackendProtocol,
    endpoints: ports.map((port): EndpointIR => ({ address: '127.0.0.1', port, pod: `${id}-${port}` })),
    filters: [],
    ...extra,
  };
}

export function rule(backends: HttpBackendIR[], extra: Partial<HttpRuleIR> = {}): HttpRuleIR {
  return {
    id: 'HTTPRoute/test/r/0/0',
    route: { kind: 'HTTPRoute', namespace: 'test', name: 'r', ruleIndex: 0, matchIndex: 0 },
    match: { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] },
    filters: [],
    backends,
    timeouts: {},
    grpc: false,
    ...extra,
  };
}

export const noHooks = { applyBackendFilters: () => true };

export interface Backend {
  port: number;
  /** Requests seen, in order. */
  seen: { method: string; url: string; headers: Record<string, unknown>; httpVersion: string; remotePort: number; body: number }[];
  close(): Promise<void>;
}

// h2c backends get Http2ServerRequest/Response; the compat API is close enough for the tests.
type H = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback backend; the default handler answers JSON describing the request (body: its size). */
export async function startBackend(handler?: H, opts: { h2c?: boolean } = {}): Promise<Backend> {
  const b: Backend = { port: 0, seen: [], close: async () => {} };
  const onRequest: H = (req, res) => {
    if (handler) {
      b.seen.push({ method: req.method!, url: req.url!, headers: req.headers, httpVersion: req.httpVersion, remotePort: req.socket.remotePort ?? 0, body: 0 });
      handler(req, res);
      return;
    }
    let size = 0;
    req.on('data', (c: Buffer) => (size += c.length));
    req.on('end', () => {
      const entry = { method: req.method!, url: req.url!, headers: req.headers, httpVersion: req.httpVersion, remotePort: req.socket.remotePort ?? 0, body: size };
      b.seen.push(entry);
      const text = JSON.stringify({ ...entry, port: b.port });
      (res as ServerResponse).writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  };
  let server: Server | Http2Server;
  if (opts.h2c) {
    server = createH2Server();
    server.on('request', onRequest);
  } else {
    server = createServer({ keepAlive: true }, onRequest as never);
  }
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  b.port = (server.address() as AddressInfo).port;
  b.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return b;
}

/** A port with nothing listening (bound then released). */
export async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  trailers: Record<string, string | undefined>;
  body: string;
}

/** One HTTP/1.1 request without keep-alive and with a timeout (tests must not hang). */
export function get(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer; timeoutMs?: number } = {},
): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false, timeout: opts.timeoutMs ?? 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, trailers: res.trailers, body: Buffer.concat(chunks).toString() }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** One HTTP/2 (prior knowledge) request. */
export function getH2(port: number, path: string, headers: Record<string, string> = {}): Promise<Got & { authority?: string }> {
  return new Promise((resolve, reject) => {
    const session = h2connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const stream = session.request({ ':path': path, ...headers });
    const chunks: Buffer[] = [];
    let head: Record<string, string | string[] | undefined> = {};
    let trailers: Record<string, string | undefined> = {};
    stream.setTimeout(5000, () => stream.close());
    stream.on('response', (h) => (head = h as never));
    stream.on('trailers', (t) => (trailers = t as never));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      session.close();
      resolve({ status: Number(head[':status']), headers: head, trailers, body: Buffer.concat(chunks).toString() });
    });
    stream.on('error', (e) => {
      session.destroy();
      reject(e);
    });
    stream.end();
  });
}
