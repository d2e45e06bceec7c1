// Starts the right echo-basic mode for a pod (by env, as the image does; coredns by image).
import type { EchoPod } from '../pods.ts';
import { startDnsEcho } from './dns-echo.ts';
import { type Closer, type EchoContext, echoContext } from './echo-context.ts';
import { startGrpcEcho } from './grpc-echo.ts';
import { startHttpEcho } from './http-echo.ts';
import { startTcpEcho } from './tcp-echo.ts';
import { startUdpEcho } from './udp-echo.ts';

export type { EchoContext, RequestRecord } from './echo-context.ts';

export interface RunningPod { pod: EchoPod; ctx: EchoContext; close(): Promise<void> }

export async function startPod(pod: EchoPod): Promise<RunningPod> {
  const ctx = echoContext(pod);
  let closer: Closer;
  if (pod.image.includes('coredns')) {
    const corefile = [...pod.files.entries()].find(([p]) => p.endsWith('/Corefile'))?.[1] ?? '';
    closer = await startDnsEcho(ctx, corefile);
  } else if (pod.env.GRPC_ECHO_SERVER) closer = await startGrpcEcho(ctx);
  else if (pod.env.TCP_ECHO_SERVER) closer = await startTcpEcho(ctx);
  else if (pod.env.UDP_ECHO_SERVER) closer = await startUdpEcho(ctx);
  else closer = await startHttpEcho(ctx);
  return { pod, ctx, close: () => closer.close() };
}
