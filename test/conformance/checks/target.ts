// Where a case's requests go (the Gateway's status address, listener port + offset) and the TLS
// material they use.
import type { CaseSpec, RequestSpec } from '../case-types.ts';
import type { CertStore } from '../certs.ts';
import type { GatewayProcess, StatusObject } from '../gateway-process.ts';
import { decodedData } from '../pods.ts';
import type { World } from '../world.ts';
import type { Timing } from './timing.ts';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RequestEnv {
  spec: CaseSpec;
  world: World;
  gateway: GatewayProcess;
  certs: CertStore;
  portOffset: number;
  timing: Timing;
}

export interface Target { address: string; port: number; listenerPort: number }

export async function resolveTarget(env: RequestEnv, alias: string): Promise<Target> {
  const g = env.spec.gateways?.[alias];
  if (!g) throw new Error(`unknown gateway alias ${alias}`);
  const live = env.world.store.get('Gateway', g.namespace, g.name);
  let listeners: any[] = ((live?.spec as any)?.listeners ?? []);
  let l = listeners.find((x) => x.name === g.listener);
  if (!l) {
    // A listener of a ListenerSet attached to this Gateway.
    for (const ls of env.world.store.list().filter((o) => o.kind === 'ListenerSet')) {
      const p = (ls.spec as any)?.parentRef;
      if (p?.name === g.name && (p.namespace ?? ls.metadata.namespace) === g.namespace) {
        listeners = [...listeners, ...((ls.spec as any)?.listeners ?? [])];
      }
    }
    l = listeners.find((x) => x.name === g.listener) ?? listeners[0];
  }
  if (!l) throw new Error(`Gateway ${g.namespace}/${g.name} has no listener ${g.listener}`);
  const deadline = Date.now() + env.timing.maxTimeMs;
  let st: StatusObject | undefined;
  while (Date.now() < deadline) {
    st = (await env.gateway.status()).find((o) => o.kind === 'Gateway' && o.metadata.name === g.name && o.metadata.namespace === g.namespace);
    if (st?.status?.addresses?.[0]?.value) break;
    await sleep(250);
  }
  const address = st?.status?.addresses?.[0]?.value;
  if (!address) throw new Error(`Gateway ${g.namespace}/${g.name} has no status.addresses`);
  return { address, port: l.port + env.portOffset, listenerPort: l.port };
}

export function dataOf(env: RequestEnv, kind: string, namespace: string, name: string): Record<string, string> | undefined {
  return decodedData(env.world.store.get(kind, namespace, name));
}

export async function roots(env: RequestEnv, r: RequestSpec): Promise<string[]> {
  const sc = r.request?.serverCertificate;
  if (sc) {
    const v = dataOf(env, sc.kind, sc.namespace, sc.name)?.[sc.key];
    if (!v) throw new Error(`serverCertificate ${sc.kind} ${sc.namespace}/${sc.name}[${sc.key}] not found`);
    return [v];
  }
  return (await env.certs.all()).map((m) => m.cert);
}

export function clientCert(env: RequestEnv, ref: string | undefined): { cert: string; key: string } | undefined {
  if (!ref) return undefined;
  const [ns, name] = ref.includes('/') ? ref.split('/') : ['gateway-conformance-infra', ref];
  const d = dataOf(env, 'Secret', ns, name);
  if (!d?.['tls.crt']) throw new Error(`client certificate Secret ${ref} not found`);
  return { cert: d['tls.crt'], key: d['tls.key'] };
}

