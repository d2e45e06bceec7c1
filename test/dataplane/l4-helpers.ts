// Shared by the L4 data plane tests: IR builders for TCP/UDP/TLS listeners, tagged TCP/TLS/UDP
// echo backends and small clients with timeouts, so no test can hang on a silent socket.
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import type { BackendIR, L4RouteIR, ListenerIR, ListenerTlsIR, PortIR, TlsPassthroughHostIR } from '../../gateway/ir/index.ts';

export function l4Backend(name: string, port: number, weight = 1, protocol: BackendIR['protocol'] = 'tcp'): BackendIR {
  return {
    id: `Service:ns/${name}:${port}`, kind: 'Service', namespace: 'ns', name, port, weight, protocol,
    endpoints: [{ address: '127.0.0.1', port, pod: `${name}-pod` }],
  };
}

export function l4Route(name: string, backends: BackendIR[], kind = 'TCPRoute'): L4RouteIR {
  return { route: `${kind}/ns/${name}`, backends };
}

export function l4Listener(id: string, protocol: 'TCP' | 'UDP' | 'TLS', routes: L4RouteIR[], hostname?: string, tls?: ListenerTlsIR): ListenerIR {
  return { id, source: { kind: 'Gateway', namespace: 'ns', name: 'gw', sectionName: id }, protocol, hostname, l4: routes, ...(tls ? { tls } : {}) };
}

export function passthroughListener(id: string, hostname: string | undefined, buckets: TlsPassthroughHostIR[]): ListenerIR {
  return {
    id, source: { kind: 'Gateway', namespace: 'ns', name: 'gw', sectionName: id }, protocol: 'TLS', hostname,
    tls: { mode: 'Passthrough', certificates: [] }, passthrough: buckets,
  };
}

export function udpPort(p: number, listeners: ListenerIR[]): PortIR {
  return { port: p, transport: 'udp', listeners };
}

export interface TestServer {
  port: number;
  /** Connections accepted so far. */
  accepted: number;
  close(): Promise<void>;
}

function closeServer(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((r) => server.close(() => r()));
}

/**
 * A TCP backend: greets with "<tag>\n", answers each line with "<tag>:<line>\n", and on the
 * client's FIN writes "<tag>:bye\n" before ending (so half-close is observable).
 */
export async function startTcpEcho(tag: string): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const state = { accepted: 0 };
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    state.accepted++;
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    s.write(`${tag}\n`);
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        s.write(`${tag}:${buf.slice(0, i)}\n`);
        buf = buf.slice(i + 1);
      }
    });
    s.on('end', () => s.end(`${tag}:bye\n`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    get accepted() { return state.accepted; },
    close: () => closeServer(server, sockets),
  };
}

/** A TLS backend (for passthrough): after the handshake it writes "<tag> <servername>\n" and ends. */
export async function startTlsTagServer(tag: string, pem: { certPem: string; keyPem: string }): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const state = { accepted: 0 };
  const server = tls.createServer({ cert: pem.certPem, key: pem.keyPem, ALPNProtocols: ['x-test', 'http/1.1'] }, (s) => {
    state.accepted++;
    s.on('error', () => s.destroy());
    s.end(`${tag} ${s.servername || '-'} ${s.alpnProtocol || '-'}\n`);
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    get accepted() { return state.accepted; },
    close: () => closeServer(server, sockets),
  };
}

/** A UDP backend answering each datagram with "<tag>:<payload>". */
export async function startUdpEcho(tag: string): Promise<{ port: number; received: number; close(): Promise<void> }> {
  const sock = dgram.createSocket('udp4');
  const state = { received: 0 };
  sock.on('message', (msg, rinfo) => {
    state.received++;
    sock.send(`${tag}:${msg.toString()}`, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return {
    port: sock.address().port,
    get received() { return state.received; },
    close: () => new Promise((r) => sock.close(() => r())),
  };
}

/** Sends one datagram from a fresh socket and waits for one reply (undefined on timeout). */
export async function udpAsk(port: number, payload: string, timeoutMs = 2_000, sock?: dgram.Socket): Promise<string | undefined> {
  const s = sock ?? dgram.createSocket('udp4');
  try {
    return await new Promise<string | undefined>((resolve) => {
      const t = setTimeout(() => { s.removeListener('message', on); resolve(undefined); }, timeoutMs);
      const on = (msg: Buffer) => { clearTimeout(t); s.removeListener('message', on); resolve(msg.toString()); };
      s.on('message', on);
      s.send(payload, port, '127.0.0.1');
    });
  } finally {
    if (sock === undefined) s.close();
  }
}

/** A line-oriented TCP client with a read timeout. */
export class LineClient {
  private buf = '';
  private waiters: (() => void)[] = [];
  ended = false;
  closed = false;
  constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => { this.buf += d; this.wake(); });
    socket.on('end', () => { this.ended = true; this.wake(); });
    socket.on('close', () => { this.closed = true; this.wake(); });
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
      s.once('connect', () => resolve(new LineClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** The next line, or undefined when the connection ends or the timeout passes first. */
  async line(timeoutMs = 2_000): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.buf.indexOf('\n');
      if (i >= 0) {
        const l = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        return l;
      }
      if (this.ended || this.closed || Date.now() >= deadline) return undefined;
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => { clearTimeout(t); r(); });
      });
    }
  }

  send(line: string): void {
    this.socket.write(`${line}\n`);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Resolves when the socket closes, with whatever it received; rejects after the timeout. */
export function waitClosed(socket: net.Socket, timeoutMs = 2_000): Promise<{ data: string; error?: string }> {
  return new Promise((resolve, reject) => {
    let data = '';
    let error: string | undefined;
    const t = setTimeout(() => { socket.destroy(); reject(new Error('socket was not closed in time')); }, timeoutMs);
    socket.on('data', (d: Buffer) => { data += d.toString(); });
    socket.on('error', (e: NodeJS.ErrnoException) => { error = e.code ?? e.message; });
    socket.once('close', () => { clearTimeout(t); resolve({ data, ...(error ? { error } : {}) }); });
  });
}

/** A TLS dial; resolves with the first line the server sends, or rejects with the error code. */
export function tlsLine(port: number, opts: tls.ConnectionOptions, timeoutMs = 3_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ...opts });
    const t = setTimeout(() => { s.destroy(); reject(new Error('timeout')); }, timeoutMs);
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i >= 0) { clearTimeout(t); s.destroy(); resolve(buf.slice(0, i)); }
    });
    s.on('error', (e: NodeJS.ErrnoException) => { clearTimeout(t); s.destroy(); reject(Object.assign(new Error(e.message), { code: e.code })); });
    s.on('close', () => { clearTimeout(t); reject(new Error(`closed before a line (got ${JSON.stringify(buf)})`)); });
  });
}
