// echo-basic's TCP mode: a welcome line, then PING/IS_TLS/TEST line commands (plain and TLS).
import net from 'node:net';
import tls from 'node:tls';
import type { Closer, EchoContext } from './echo-context.ts';

function serve(ctx: EchoContext, sock: net.Socket, isTLS: boolean): void {
  sock.setEncoding('utf8');
  sock.on('error', () => sock.destroy());
  sock.write('Gateway API Test TCP Server\n');
  let buf = '';
  sock.on('data', (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).replace(/\r$/, '');
      buf = buf.slice(i + 1);
      if (line === 'PING') sock.write('PONG\n');
      else if (line === 'IS_TLS') sock.write(`${isTLS}\n`);
      else if (line === 'TEST') {
        const out: Record<string, unknown> = {
          namespace: ctx.env.NAMESPACE ?? '', ingress: ctx.env.INGRESS_NAME ?? '', service: ctx.env.SERVICE_NAME ?? '',
          pod: ctx.env.POD_NAME ?? '', tcpport: ctx.env.TCP_PORT ?? '3000', tlsport: ctx.env.TLS_PORT ?? '8443', isTLS,
        };
        if (isTLS) {
          const t = sock as tls.TLSSocket;
          const info: Record<string, unknown> = { version: 'TLS 1.3', serverName: (t as any).servername || '' };
          if (t.alpnProtocol) info.negotiatedProtocol = t.alpnProtocol;
          info.cipherSuite = t.getCipher()?.standardName ?? '';
          out.tls = info;
        }
        sock.write(JSON.stringify(out) + '\n');
      }
    }
  });
}

export async function startTcpEcho(ctx: EchoContext): Promise<Closer> {
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  const listen = (s: net.Server, port: number) => new Promise<void>((resolve, reject) => {
    s.on('connection', (c: net.Socket) => { sockets.add(c); c.on('close', () => sockets.delete(c)); });
    s.once('error', reject);
    s.listen(port, ctx.pod.ip, () => resolve());
    servers.push(s);
  });
  try {
    await listen(net.createServer((s) => serve(ctx, s, false)), Number(ctx.env.TCP_PORT ?? 3000));
    const cert = ctx.file(ctx.env.TLS_SERVER_CERT);
    const key = ctx.file(ctx.env.TLS_SERVER_PRIV_KEY ?? ctx.env.TLS_SERVER_PRIVKEY);
    if (cert && key) await listen(tls.createServer({ cert, key }, (s) => serve(ctx, s, true)), Number(ctx.env.TLS_PORT ?? 8443));
  } catch (e) {
    for (const s of servers) s.close();
    throw e;
  }
  return {
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
