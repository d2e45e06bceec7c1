// echo-basic's UDP mode: every datagram is answered with a JSON identity record.
import dgram from 'node:dgram';
import type { Closer, EchoContext } from './echo-context.ts';

export async function startUdpEcho(ctx: EchoContext): Promise<Closer> {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    const out = JSON.stringify({
      request: msg.subarray(0, 1024).toString('utf8'), namespace: ctx.env.NAMESPACE ?? '', ingress: ctx.env.INGRESS_NAME ?? '',
      service: ctx.env.SERVICE_NAME ?? '', pod: ctx.env.POD_NAME ?? '',
    });
    ctx.records.push({ uri: msg.toString('utf8'), remote: `${rinfo.address}:${rinfo.port}`, at: Date.now() });
    sock.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(Number(ctx.env.UDP_PORT ?? 8080), ctx.pod.ip, () => resolve());
  });
  return { close: () => new Promise<void>((r) => sock.close(() => r())) };
}
