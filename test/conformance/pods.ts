// Deployments become in-process "pods": one per replica, named like Kubernetes names them
// (upstream recovers the backend name from the pod name prefix), each on its own loopback address.
import { randomInt } from 'node:crypto';
import type { Obj } from './store.ts';

export interface EchoPod {
  name: string;
  namespace: string;
  deployment: string;
  ip: string;
  labels: Record<string, string>;
  image: string;
  env: Record<string, string>;
  /** Mounted Secret/ConfigMap files by absolute path. */
  files: Map<string, string>;
  /** Container ports by name (for named targetPorts). */
  ports: Record<string, number>;
}

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const rand = (n: number) => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

/** Loopback addresses for pods: 127.0.2.1 .. 127.0.3.254, shared by parallel cases. */
export class AddressPool {
  private readonly free: string[] = [];
  constructor() {
    for (const third of [2, 3]) for (let i = 1; i < 255; i++) this.free.push(`127.0.${third}.${i}`);
    // Start at a random place so two runs on one machine rarely pick the same addresses.
    this.free.push(...this.free.splice(0, randomInt(this.free.length)));
  }
  take(): string {
    const ip = this.free.shift();
    if (!ip) throw new Error('pod address pool exhausted');
    return ip;
  }
  release(ips: string[]): void {
    this.free.push(...ips);
  }
}

export function labelsMatch(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

type Lookup = (kind: 'Secret' | 'ConfigMap', namespace: string, name: string) => Record<string, string> | undefined;

/** Secret data is base64; ConfigMap data is plain. The lookup returns decoded values. */
export function decodedData(o: Obj | undefined): Record<string, string> | undefined {
  if (!o) return undefined;
  const out: Record<string, string> = {};
  if (o.kind === 'Secret') {
    for (const [k, v] of Object.entries((o.data ?? {}) as Record<string, string>)) out[k] = Buffer.from(v, 'base64').toString('utf8');
    for (const [k, v] of Object.entries((o.stringData ?? {}) as Record<string, string>)) out[k] = v;
  } else {
    for (const [k, v] of Object.entries((o.data ?? {}) as Record<string, string>)) out[k] = v;
  }
  return out;
}

export function podsOf(deployment: Obj, pool: AddressPool, lookup: Lookup): EchoPod[] {
  const spec = (deployment.spec ?? {}) as any;
  const replicas = spec.replicas ?? 1;
  const tmpl = spec.template ?? {};
  const container = tmpl.spec?.containers?.[0] ?? {};
  const namespace = deployment.metadata.namespace ?? 'default';
  const hash = rand(10);
  const pods: EchoPod[] = [];
  for (let i = 0; i < replicas; i++) {
    const name = `${deployment.metadata.name}-${hash}-${rand(5)}`;
    const ip = pool.take();
    const env: Record<string, string> = {};
    for (const e of container.env ?? []) {
      if (e.value !== undefined) env[e.name] = String(e.value);
      const f = e.valueFrom;
      if (f?.fieldRef) {
        const p = f.fieldRef.fieldPath;
        env[e.name] = p === 'metadata.name' ? name : p === 'metadata.namespace' ? namespace : p === 'status.podIP' ? ip : '';
      } else if (f?.secretKeyRef) env[e.name] = lookup('Secret', namespace, f.secretKeyRef.name)?.[f.secretKeyRef.key] ?? '';
      else if (f?.configMapKeyRef) env[e.name] = lookup('ConfigMap', namespace, f.configMapKeyRef.name)?.[f.configMapKeyRef.key] ?? '';
    }
    const files = new Map<string, string>();
    for (const vm of container.volumeMounts ?? []) {
      const vol = (tmpl.spec?.volumes ?? []).find((v: any) => v.name === vm.name);
      const src = vol?.secret ? lookup('Secret', namespace, vol.secret.secretName) : vol?.configMap ? lookup('ConfigMap', namespace, vol.configMap.name) : undefined;
      if (!src) continue;
      const items: { key: string; path: string }[] = (vol.secret ?? vol.configMap).items ?? Object.keys(src).map((k) => ({ key: k, path: k }));
      for (const it of items) if (src[it.key] !== undefined) files.set(`${vm.mountPath.replace(/\/$/, '')}/${it.path}`, src[it.key]);
    }
    const ports: Record<string, number> = {};
    for (const p of container.ports ?? []) if (p.name) ports[p.name] = p.containerPort;
    pods.push({ name, namespace, deployment: deployment.metadata.name, ip, labels: { ...(tmpl.metadata?.labels ?? {}) }, image: container.image ?? '', env, files, ports });
  }
  return pods;
}

/** One discovery.k8s.io/v1 EndpointSlice per selector Service, as the endpoint controller writes. */
export function endpointSliceFor(service: Obj, pods: EchoPod[]): Obj | undefined {
  const spec = (service.spec ?? {}) as any;
  if (!spec.selector) return undefined;
  const namespace = service.metadata.namespace ?? 'default';
  const members = pods.filter((p) => p.namespace === namespace && labelsMatch(spec.selector, p.labels));
  const ports = (spec.ports ?? []).map((p: any) => {
    const target = p.targetPort ?? p.port;
    const port = typeof target === 'number' ? target : /^\d+$/.test(target) ? Number(target) : members[0]?.ports[target] ?? p.port;
    const out: Record<string, unknown> = { name: p.name ?? '', port, protocol: p.protocol ?? 'TCP' };
    if (p.appProtocol) out.appProtocol = p.appProtocol;
    return out;
  });
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service.metadata.name}-${rand(5)}`, namespace, labels: { 'kubernetes.io/service-name': service.metadata.name } },
    addressType: 'IPv4',
    ports,
    endpoints: members.map((p) => ({
      addresses: [p.ip],
      conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', name: p.name, namespace: p.namespace },
    })),
  };
}
