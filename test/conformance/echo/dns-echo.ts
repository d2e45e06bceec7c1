// Stand-in for the coredns pod of the UDPRoute test: the whoami plugin for the Corefile's whoami
// zones (client IP as A, `_udp.<name>` SRV in the additional section), SERVFAIL elsewhere because
// the forwarders upstream uses are unreachable here.
import dgram from 'node:dgram';
import net from 'node:net';
import type { Closer, EchoContext } from './echo-context.ts';

/** Zones served by `whoami` in a Corefile. */
export function whoamiZones(corefile: string): string[] {
  const zones: string[] = [];
  const re = /^\s*([^\s{]+)\s*\{([^}]*)\}/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(corefile)) !== null) {
    if (/\bwhoami\b/.test(m[2])) zones.push(m[1].replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase());
  }
  return zones;
}

function readName(msg: Buffer, off: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = off;
  while (i < msg.length && msg[i] !== 0) {
    labels.push(msg.subarray(i + 1, i + 1 + msg[i]).toString('latin1'));
    i += 1 + msg[i];
  }
  return { name: labels.join('.'), end: i + 1 };
}

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'latin1')])), Buffer.from([0])]);
}

export function answerDns(query: Buffer, zones: string[], clientIp: string, clientPort: number, proto: 'udp' | 'tcp'): Buffer | undefined {
  if (query.length < 12) return undefined;
  const id = query.readUInt16BE(0);
  const { name, end } = readName(query, 12);
  const qtype = query.readUInt16BE(end);
  const question = query.subarray(12, end + 4);
  const lname = name.toLowerCase();
  const inZone = zones.some((z) => lname === z || lname.endsWith('.' + z));
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  const rd = query[2] & 0x01;
  if (!inZone) {
    header.writeUInt16BE(0x8000 | (rd << 8) | 2, 2); // SERVFAIL
    header.writeUInt16BE(1, 4);
    return Buffer.concat([header, question]);
  }
  header.writeUInt16BE(0x8400 | (rd << 8), 2); // authoritative answer, NOERROR
  header.writeUInt16BE(1, 4);
  const v4 = net.isIPv4(clientIp) ? clientIp : clientIp.replace(/^::ffff:/, '');
  const rr = (owner: Buffer, type: number, rdata: Buffer) => {
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(type, 0);
    fixed.writeUInt16BE(1, 2);
    fixed.writeUInt32BE(0, 4);
    fixed.writeUInt16BE(rdata.length, 8);
    return Buffer.concat([owner, fixed, rdata]);
  };
  const owner = encodeName(name);
  const answers: Buffer[] = [];
  if (qtype === 1 || qtype === 255) answers.push(rr(owner, 1, Buffer.from(v4.split('.').map(Number))));
  const srv = Buffer.alloc(6);
  srv.writeUInt16BE(0, 0);
  srv.writeUInt16BE(0, 2);
  srv.writeUInt16BE(clientPort, 4);
  const extra = [rr(encodeName(`_${proto}.${name}`), 33, Buffer.concat([srv, encodeName(name)]))];
  header.writeUInt16BE(answers.length, 6);
  header.writeUInt16BE(extra.length, 10);
  return Buffer.concat([header, question, ...answers, ...extra]);
}

export async function startDnsEcho(ctx: EchoContext, corefile: string): Promise<Closer> {
  const zones = whoamiZones(corefile);
  const udp = dgram.createSocket('udp4');
  udp.on('message', (msg, r) => {
    const out = answerDns(msg, zones, r.address, r.port, 'udp');
    if (out) udp.send(out, r.port, r.address);
  });
  await new Promise<void>((resolve, reject) => { udp.once('error', reject); udp.bind(53, ctx.pod.ip, () => resolve()); });
  const tcp = net.createServer((s) => {
    s.on('error', () => s.destroy());
    let buf = Buffer.alloc(0);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        const out = answerDns(buf.subarray(2, 2 + len), zones, s.remoteAddress ?? '', s.remotePort ?? 0, 'tcp');
        buf = buf.subarray(2 + len);
        if (out) { const l = Buffer.alloc(2); l.writeUInt16BE(out.length); s.write(Buffer.concat([l, out])); }
      }
    });
  });
  await new Promise<void>((resolve, reject) => { tcp.once('error', reject); tcp.listen(53, ctx.pod.ip, () => resolve()); });
  return { close: async () => { udp.close(); await new Promise<void>((r) => tcp.close(() => r())); } };
}
