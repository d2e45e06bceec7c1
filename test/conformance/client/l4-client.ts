// TCP / TLS line conversations with echo-basic's TCP mode, and UDP datagrams (echo JSON or DNS).
import dgram from 'node:dgram';
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { goVerifyChain } from '../go-rules.ts';

export interface Conversation {
  welcome?: string;
  exchange: { send: string; check: (line: string) => string | undefined }[];
  connectOnly?: boolean;
}

/**
 * How a conversation ended: `mismatch` (an answer broke an expectation: upstream fails at once),
 * `rejected` (TCP connected, then EOF or reset before the TLS handshake finished), `io` (dial or
 * read errors: upstream retries those).
 */
export interface ConverseResult { error?: string; kind?: 'mismatch' | 'rejected' | 'io'; rejected?: boolean }

export function converse(o: { address: string; port: number; tls?: { sni?: string; roots: string[] }; conv: Conversation; timeoutMs?: number }): Promise<ConverseResult> {
  return new Promise((resolve) => {
    let settled = false;
    let established = false;
    let connected = false;
    const sock: net.Socket = o.tls
      ? tls.connect({ host: o.address, port: o.port, servername: o.tls.sni, rejectUnauthorized: false })
      : net.connect({ host: o.address, port: o.port });
    const timer = setTimeout(() => finish({ error: 'timed out', kind: 'io' }), o.timeoutMs ?? 10000);
    const finish = (r: ConverseResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ ...r, rejected: r.kind === 'rejected' });
    };
    sock.once('connect', () => { connected = true; });
    let buf = '';
    let step = -1; // -1: waiting for the welcome line
    const next = () => {
      step++;
      if (step >= o.conv.exchange.length) return finish({});
      sock.write(o.conv.exchange[step].send);
    };
    const onEstablished = () => {
      established = true;
      if (o.tls) {
        const t = sock as tls.TLSSocket;
        const chain: X509Certificate[] = [];
        let c = t.getPeerCertificate(true);
        const seen = new Set<string>();
        while (c && c.raw && !seen.has(c.fingerprint256)) { seen.add(c.fingerprint256); chain.push(new X509Certificate(c.raw)); c = c.issuerCertificate; }
        const err = goVerifyChain(chain, o.tls.roots.map((r) => new X509Certificate(r)), o.tls.sni ?? o.address);
        if (err) return finish({ error: `tls: ${err}`, kind: 'io' });
      }
      if (o.conv.connectOnly) return finish({});
      if (o.conv.welcome === undefined) next();
    };
    sock.on(o.tls ? 'secureConnect' : 'connect', onEstablished);
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i + 1);
        buf = buf.slice(i + 1);
        if (step === -1 && o.conv.welcome !== undefined) {
          if (line !== o.conv.welcome) return finish({ error: `welcome ${JSON.stringify(line)}, want ${JSON.stringify(o.conv.welcome)}`, kind: 'mismatch' });
          next();
          continue;
        }
        const cur = o.conv.exchange[step];
        if (!cur) continue;
        const err = cur.check(line);
        if (err) return finish({ error: err, kind: 'mismatch' });
        next();
      }
    });
    // Only a TLS handshake cut short by EOF or a reset counts as a rejection (refused dials do not).
    const cutShort = () => !!o.tls && connected && !established;
    sock.on('error', (e: NodeJS.ErrnoException) => {
      const eof = e.code === 'ECONNRESET' || e.code === 'EPIPE' || /socket disconnected|hang up|EOF/i.test(e.message);
      finish({ error: e.message, kind: cutShort() && eof ? 'rejected' : 'io' });
    });
    sock.on('close', () => finish({ error: established ? 'connection closed mid-conversation' : 'connection closed', kind: cutShort() ? 'rejected' : 'io' }));
  });
}

export function udpExchange(o: { address: string; port: number; payload: Buffer; timeoutMs?: number }): Promise<{ error?: string; reply?: Buffer }> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const timer = setTimeout(() => done({ error: 'no UDP reply' }), o.timeoutMs ?? 3000);
    const done = (r: { error?: string; reply?: Buffer }) => { clearTimeout(timer); try { sock.close(); } catch { /* closed */ } resolve(r); };
    sock.on('message', (m) => done({ reply: m }));
    sock.on('error', (e) => done({ error: e.message }));
    sock.send(o.payload, o.port, o.address, (e) => { if (e) done({ error: e.message }); });
  });
}

/** A DNS query message (RD set) for name/type. */
export function dnsQuery(name: string, type = 'A'): Buffer {
  const types: Record<string, number> = { A: 1, AAAA: 28, SRV: 33, TXT: 16, ANY: 255 };
  const header = Buffer.alloc(12);
  header.writeUInt16BE(Math.floor(Math.random() * 65535), 0);
  header.writeUInt16BE(0x0100, 2);
  header.writeUInt16BE(1, 4);
  const labels = name.replace(/\.$/, '').split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(types[type] ?? 1, 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([header, ...labels, Buffer.from([0]), tail]);
}
