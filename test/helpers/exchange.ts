// Builds Exchanges from plain node http/http2 servers so data plane pieces (a rule's upstream
// handler, a filter) can be tested over real sockets without the listener code.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createH2Server } from 'node:http2';
import type { Http2Server, Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HttpRuleIR, ListenerIR } from '../../gateway/ir/index.ts';
import type { Exchange, Handler } from '../../gateway/dataplane/http/exchange.ts';
import type { AccessRecord } from '../../gateway/dataplane/observer.ts';

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade', 'http2-settings']);

export const testListener: ListenerIR = {
  id: 'test/gw/http',
  source: { kind: 'Gateway', namespace: 'test', name: 'gw', sectionName: 'http' },
  protocol: 'HTTP',
};

export interface ExchangeInit {
  listener?: ListenerIR;
  scheme?: 'http' | 'https';
  rule?: HttpRuleIR;
  upgrade?: { socket: Duplex; head: Buffer };
}

/** An Exchange for a request as the server engineer's listener would build it. */
export function exchangeFrom(
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse | undefined,
  init: ExchangeInit = {},
): Exchange {
  const raw = req.headers;
  const listed = new Set(
    String(raw['connection'] ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  const headers: Record<string, string | string[]> = {};
  for (const name in raw) {
    const v = raw[name];
    if (v === undefined || name.startsWith(':') || HOP.has(name) || listed.has(name)) continue;
    headers[name] = v;
  }
  if (typeof raw['te'] === 'string' && raw['te'].includes('trailers')) headers['te'] = 'trailers';
  const authority = String(raw[':authority'] ?? raw['host'] ?? '');
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const ac = new AbortController();
  const record: AccessRecord = {
    time: new Date().toISOString(),
    gateway: 'test/gw',
    listener: (init.listener ?? testListener).id,
    protocol: req.httpVersionMajor === 2 ? 'HTTP/2' : 'HTTP/1.1',
    method: req.method ?? 'GET',
    clientAddress: '127.0.0.1',
    clientPort: 0,
    authority,
    path: q < 0 ? url : url.slice(0, q),
    status: 0,
    durationMs: 0,
    bytesIn: 0,
    bytesOut: 0,
  };
  if (res) {
    res.on('close', () => {
      if (!res.writableFinished) ac.abort();
    });
  } else if (init.upgrade) {
    init.upgrade.socket.on('close', () => ac.abort());
  }
  return {
    req,
    res,
    upgrade: init.upgrade,
    listener: init.listener ?? testListener,
    scheme: init.scheme ?? 'http',
    clientAddress: req.socket?.remoteAddress ?? '127.0.0.1',
    authority,
    host: authority.replace(/:\d+$/, '').toLowerCase(),
    method: req.method ?? 'GET',
    path: record.path,
    query: q < 0 ? '' : url.slice(q),
    upstreamHost: authority,
    headers,
    rule: init.rule,
    backend: undefined,
    endpoint: undefined,
    responseModifiers: [],
    responseHeaders: {},
    record,
    startedAt: process.hrtime.bigint(),
    signal: ac.signal,
  };
}

export interface TestGateway {
  port: number;
  origin: string;
  /** Access records of finished exchanges, in completion order. */
  records: AccessRecord[];
  /** The last exchange built (to inspect filter effects). */
  last: Exchange | undefined;
  close(): Promise<void>;
}

export interface ServeOptions {
  h2?: boolean;
  rule?: HttpRuleIR;
  /** Runs on each exchange before the handler (e.g. to mimic earlier filters). */
  prepare?: (ex: Exchange) => void;
}

/**
 * A loopback server (port 0) that turns each request, and each HTTP/1.1 Upgrade, into an
 * Exchange and runs `handler` on it.
 */
export async function serveHandler(handler: Handler, opts: ServeOptions = {}): Promise<TestGateway> {
  const gw: TestGateway = { port: 0, origin: '', records: [], last: undefined, close: async () => {} };
  const run = async (ex: Exchange, done: () => void) => {
    gw.last = ex;
    opts.prepare?.(ex);
    try {
      await handler(ex);
    } catch (err) {
      if (ex.res && !ex.res.headersSent) {
        (ex.res as ServerResponse).writeHead(500);
        ex.res.end(String(err));
      }
    }
    done();
  };
  const onRequest = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => {
    const ex = exchangeFrom(req, res, { rule: opts.rule });
    const finish = () => {
      ex.record.durationMs = Number(process.hrtime.bigint() - ex.startedAt) / 1e6;
      gw.records.push(ex.record);
    };
    let handled = false;
    let closed = false;
    res.once('close', () => {
      closed = true;
      if (handled) finish();
    });
    void run(ex, () => {
      handled = true;
      if (closed) finish();
    });
  };
  let server: Server | Http2Server;
  if (opts.h2) {
    server = createH2Server();
    server.on('request', onRequest);
  } else {
    const s = createServer({ keepAlive: true });
    s.on('request', onRequest);
    s.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const ex = exchangeFrom(req, undefined, { rule: opts.rule, upgrade: { socket, head } });
      void run(ex, () => gw.records.push(ex.record));
    });
    server = s;
  }
  const sockets = new Set<Duplex>();
  server.on('connection', (s: Duplex) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  gw.port = (server.address() as AddressInfo).port;
  gw.origin = `http://127.0.0.1:${gw.port}`;
  gw.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return gw;
}
