// Test harness for the policy filters (CORS, ExternalAuth, RequestMirror): a real loopback
// HTTP server that builds an Exchange per request and runs a filter chain whose terminal
// handler plays the backend (it echoes what it would have forwarded as JSON), a tiny recording
// backend for auth services and mirrors, and a client with timeouts.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import type { BackendIR, ExternalAuthIR, HttpRuleIR, ListenerIR } from '../../gateway/ir/index.ts';
import { externalAuthFilter } from '../../gateway/dataplane/http/filters/external-auth.ts';
import type { Exchange, Handler } from '../../gateway/dataplane/http/exchange.ts';
import type { AccessRecord } from '../../gateway/dataplane/observer.ts';
import { applyResponseEdits, stripHopByHop } from '../../gateway/dataplane/upstream/headers.ts';

export const LISTENER = { name: 'http', port: 80, protocol: 'HTTP' } as unknown as ListenerIR;

export function backend(name: string, port: number, extra: Partial<BackendIR> = {}): BackendIR {
  return {
    id: `Service:default/${name}:${port}`,
    kind: 'Service',
    namespace: 'default',
    name,
    port,
    weight: 1,
    protocol: 'http1',
    endpoints: [{ address: '127.0.0.1', port }],
    ...extra,
  };
}

/** pickEndpoint as the upstream module does it, good enough for single-endpoint tests. */
export function firstEndpoint(b: BackendIR) {
  return b.endpoints[0];
}

export interface Served {
  port: number;
  /** Access records of finished requests, in completion order. */
  records: AccessRecord[];
  /** Exchanges as the terminal handler saw them. */
  reached: Exchange[];
  close(): Promise<void>;
}

function readAll(src: Readable | Buffer): Promise<Buffer> {
  if (Buffer.isBuffer(src)) return Promise.resolve(src);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    src.on('data', (c: Buffer) => chunks.push(c));
    src.on('end', () => resolve(Buffer.concat(chunks)));
    src.on('error', reject);
  });
}

/** The "backend": answers 200 with JSON of the upstream-bound request, response edits applied. */
export const echoTerminal: Handler = async (ex) => {
  const body = await readAll(ex.body ?? ex.req);
  const out: Record<string, string | string[]> = { 'content-type': 'application/json', 'x-backend': 'echo' };
  applyResponseEdits(out, ex.responseHeaders, ex.responseModifiers);
  const payload = Buffer.from(
    JSON.stringify({ method: ex.method, path: ex.path, query: ex.query, host: ex.upstreamHost, headers: ex.headers, body: body.toString('utf8') }),
  );
  ex.record.status = 200;
  const res = ex.res as ServerResponse;
  res.writeHead(200, { ...out, 'content-length': String(payload.length) });
  res.end(payload);
};

export function makeExchange(req: IncomingMessage, res: ServerResponse, rule?: HttpRuleIR): Exchange {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const ac = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  const headers = stripHopByHop(req.headers as Record<string, string | string[] | undefined>);
  const authority = req.headers.host ?? '';
  delete headers['host'];
  return {
    req,
    res,
    upgrade: undefined,
    listener: LISTENER,
    scheme: 'http',
    clientAddress: req.socket.remoteAddress ?? '',
    authority,
    host: authority.replace(/:\d+$/, '').toLowerCase(),
    method: req.method ?? 'GET',
    path: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? '' : url.slice(q),
    upstreamHost: authority,
    headers,
    rule,
    backend: undefined,
    endpoint: undefined,
    responseModifiers: [],
    responseHeaders: {},
    record: {
      time: new Date().toISOString(),
      gateway: 'test/gw',
      listener: 'http',
      protocol: 'HTTP/1.1',
      method: req.method ?? 'GET',
      clientAddress: '127.0.0.1',
      clientPort: 0,
      authority,
      path: url,
      status: 0,
      durationMs: 0,
      bytesIn: 0,
      bytesOut: 0,
    },
    startedAt: process.hrtime.bigint(),
    signal: ac.signal,
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Serves `chain` (already wrapped around its terminal handler) on a loopback port. */
export async function serveChain(chain: Handler): Promise<Served> {
  const records: AccessRecord[] = [];
  const reached: Exchange[] = [];
  const server = createServer(async (req, res) => {
    const ex = makeExchange(req, res);
    res.on('finish', () => records.push(ex.record));
    try {
      await chain(ex);
    } catch (err) {
      if (!res.headersSent) res.writeHead(599).end(String(err));
    }
  });
  const port = await listen(server);
  return { port, records, reached, close: () => closeServer(server) };
}

export interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  at: number;
}

export interface Recorder {
  port: number;
  seen: Seen[];
  /** Resolves once `n` requests have been fully received (body included). */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A backend that records each request, then answers through `answer` (default 200 "ok"). */
export async function recorder(answer?: (s: Seen, res: ServerResponse) => void | Promise<void>): Promise<Recorder> {
  const seen: Seen[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = createServer(async (req, res) => {
    const body = await readAll(req);
    const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: body.toString('utf8'), at: Date.now() };
    seen.push(s);
    for (const w of waiters) if (seen.length >= w.n) w.resolve();
    if (answer) await answer(s, res);
    else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  const port = await listen(server);
  return {
    port,
    seen,
    waitFor(n, timeoutMs = 3000) {
      if (seen.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`waited for ${n} requests, got ${seen.length}`)), timeoutMs);
        waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
      });
    },
    close: () => closeServer(server),
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

/** One request over a fresh connection, failing after `timeoutMs`. */
export function send(
  port: number,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number } = {},
): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path ?? '/', headers: { host: 'app.example.com', ...opts.headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - started }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 5000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * A port nothing listens on (bound, then closed). Taken below the ephemeral range: a dead port
 * inside it can become a client socket's own source port, and Linux then lets a connect to it
 * "succeed" by connecting the socket to itself (TCP self-connect), which hangs instead of
 * failing.
 */
export async function deadPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const candidate = 20000 + Math.floor(Math.random() * 10000);
    const s = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      s.once('error', () => resolve(false));
      s.listen(candidate, '127.0.0.1', () => resolve(true));
    });
    if (ok) {
      await closeServer(s);
      return candidate;
    }
  }
  throw new Error('no free port below the ephemeral range');
}

/** An ExternalAuth IR for an auth service on a loopback port. */
export const auth = (port: number, over: Partial<ExternalAuthIR> = {}): ExternalAuthIR => ({
  protocol: 'HTTP',
  backend: backend('auth', port),
  allowedHeaders: [],
  allowedResponseHeaders: [],
  forwardBodyMaxSize: 0,
  ...over,
});

/** Serves one ExternalAuth filter in front of the echo backend; closes everything after `fn`. */
export async function withGateway(ir: ExternalAuthIR, fn: (port: number, records: { responseFlags?: string[]; status: number }[]) => Promise<void>) {
  const f = externalAuthFilter(ir, { pickEndpoint: firstEndpoint });
  const gw = await serveChain(f.filter(echoTerminal));
  try {
    await fn(gw.port, gw.records);
  } finally {
    f.close();
    await gw.close();
  }
}
