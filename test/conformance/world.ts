// One case's "cluster": the objects (with API-server metadata) materialized into a manifests
// directory the gateway watches, the generated TLS material, and the echo pods behind the Services.
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import type { CaseSpec, SecretSpec } from './case-types.ts';
import { type CertStore, SUITE_SECRETS } from './certs.ts';
import { type RunningPod, startPod } from './echo/index.ts';
import { prepareObject, type PrepareOptions } from './placeholders.ts';
import { type AddressPool, decodedData, type EchoPod, endpointSliceFor, labelsMatch, podsOf } from './pods.ts';
import { keyOf, type Obj, ObjectStore } from './store.ts';

export interface WorldOptions extends PrepareOptions {
  /** test/conformance/upstream (vendored upstream manifests) */
  manifestsRoot: string;
  certs: CertStore;
  podAddresses: AddressPool;
  /** The time creationTimestamps are stamped with and steps wait by. @default - the real clock */
  clock?: Clock;
}

/** What the "API server" of a world reads the time from, and how a step waits. */
export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export const REAL_CLOCK: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

type FileGroup = '00-gatewayclass.yaml' | '10-manifests.yaml' | '20-generated-tls.yaml' | '30-generated-endpointslices.yaml';

export function readManifest(root: string, rel: string): Obj[] {
  const text = readFileSync(join(root, rel), 'utf8');
  const out: Obj[] = [];
  for (const doc of parseAllDocuments(text)) {
    const v = doc.toJS();
    if (v && typeof v === 'object' && v.kind) out.push(v as Obj);
  }
  return out;
}

/** Every Service some route (or mirror) sends to: only their pods are started. */
export function referencedServices(objects: Obj[]): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown, ns: string) => {
    if (Array.isArray(v)) { for (const x of v) walk(x, ns); return; }
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if ((k === 'backendRefs' || k === 'targetRefs') && Array.isArray(x)) for (const r of x as any[]) add(r, ns);
      else if (k === 'backendRef' && x && typeof x === 'object') add(x, ns);
      walk(x, ns);
    }
  };
  const add = (r: any, ns: string) => {
    if (r?.name && (r.kind ?? 'Service') === 'Service' && (r.group ?? '') === '') out.add(`${r.namespace ?? ns}/${r.name}`);
  };
  for (const o of objects) walk(o.spec, o.metadata.namespace ?? 'default');
  return out;
}

export class World {
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly dir = mkdtempSync(join(tmpdir(), 'portico-conf-case-'));
  readonly files = new Map<string, FileGroup>();
  pods: EchoPod[] = [];
  running: RunningPod[] = [];
  private readonly specs = new Map<string, SecretSpec>();

  constructor(readonly spec: CaseSpec, readonly opts: WorldOptions) {
    this.clock = opts.clock ?? REAL_CLOCK;
    this.store = new ObjectStore(() => this.clock.now());
  }

  private put(o: Obj, group: FileGroup): Obj {
    const stored = this.store.put(o);
    this.files.set(keyOf(o.kind, stored.metadata.namespace, o.metadata.name), group);
    return stored;
  }

  prepare(o: Obj): Obj {
    return prepareObject(o, this.opts);
  }

  async init(): Promise<void> {
    const o = this.opts;
    this.put({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: o.gatewayClassName }, spec: { controllerName: o.controllerName } }, '00-gatewayclass.yaml');
    const objects = ['base/manifests.yaml', ...this.spec.manifests].flatMap((m) => readManifest(o.manifestsRoot, m));
    for (const obj of objects) this.put(this.prepare(obj), '10-manifests.yaml');

    for (const s of [...SUITE_SECRETS, ...(this.spec.secrets ?? [])]) if (!this.specs.has(`${s.namespace}/${s.name}`)) this.specs.set(`${s.namespace}/${s.name}`, s);
    const material = await Promise.all([...this.specs.values()].map(async (s) => ({ s, m: await o.certs.get(s, this.specs) })));
    for (const { s, m } of material) {
      if (this.store.get(s.type === 'ConfigMap' ? 'ConfigMap' : 'Secret', s.namespace, s.name)) continue; // the manifests bring their own
      if (s.type === 'ConfigMap') {
        this.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: s.name, namespace: s.namespace }, data: { 'ca.crt': m.cert, 'key.crt': m.key } }, '20-generated-tls.yaml');
      } else {
        this.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: s.name, namespace: s.namespace }, type: 'kubernetes.io/tls',
          data: { 'tls.crt': Buffer.from(m.cert).toString('base64'), 'tls.key': Buffer.from(m.key).toString('base64') } }, '20-generated-tls.yaml');
      }
    }
    const lookup = (kind: 'Secret' | 'ConfigMap', ns: string, name: string) => decodedData(this.store.get(kind, ns, name));
    for (const d of this.store.list().filter((x) => x.kind === 'Deployment')) this.pods.push(...podsOf(d, o.podAddresses, lookup));
    this.regenerateEndpointSlices();
    this.write();
  }

  /** Pods of the Services the case's routes reference (plus any Deployment named explicitly). */
  async startPods(extraDeployments: string[] = []): Promise<void> {
    const extra = [
      ...this.spec.manifests.flatMap((m) => readManifest(this.opts.manifestsRoot, m)),
      ...(this.spec.steps ?? []).flatMap((s) => [...(s.apply ?? []).flatMap((m) => readManifest(this.opts.manifestsRoot, m)), ...((s.create ?? []) as Obj[])]),
    ];
    const refs = referencedServices([...this.store.list(), ...extra]);
    const services = this.store.list().filter((s) => s.kind === 'Service' && refs.has(`${s.metadata.namespace}/${s.metadata.name}`));
    const wanted = this.pods.filter((p) =>
      extraDeployments.includes(`${p.namespace}/${p.deployment}`) ||
      services.some((s) => s.metadata.namespace === p.namespace && labelsMatch((s.spec as any)?.selector, p.labels)));
    this.running = await Promise.all(wanted.map((p) => this.startOnFreeAddress(p)));
    this.regenerateEndpointSlices();
    this.write();
  }

  /** Another run on the same machine may hold an address: move the pod (before the gateway starts). */
  private async startOnFreeAddress(pod: EchoPod): Promise<RunningPod> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await startPod(pod);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 8) throw e;
        const old = pod.ip;
        pod.ip = this.opts.podAddresses.take();
        for (const [k, v] of Object.entries(pod.env)) if (v === old) pod.env[k] = pod.ip;
        this.opts.podAddresses.release([old]);
      }
    }
  }

  regenerateEndpointSlices(): void {
    for (const [key, group] of [...this.files]) {
      if (group !== '30-generated-endpointslices.yaml') continue;
      const [kind, ns, name] = key.split('/');
      this.store.delete(kind, ns, name);
      this.files.delete(key);
    }
    for (const s of this.store.list().filter((x) => x.kind === 'Service')) {
      const slice = endpointSliceFor(s, this.pods);
      if (slice) this.put(slice, '30-generated-endpointslices.yaml');
    }
  }

  /** Writes every file atomically (rename), so the gateway never reads half a file. */
  write(): void {
    const groups = new Map<FileGroup, Obj[]>();
    for (const g of ['00-gatewayclass.yaml', '10-manifests.yaml', '20-generated-tls.yaml', '30-generated-endpointslices.yaml'] as FileGroup[]) groups.set(g, []);
    for (const o of this.store.list()) groups.get(this.files.get(keyOf(o.kind, o.metadata.namespace, o.metadata.name)) ?? '10-manifests.yaml')!.push(o);
    for (const [name, objs] of groups) {
      const text = objs.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
      const tmp = join(this.dir, `.${name}.tmp`);
      writeFileSync(tmp, text);
      renameSync(tmp, join(this.dir, name));
    }
  }

  runningPodsOf(namespace: string, deployment: string): RunningPod[] {
    return this.running.filter((p) => p.pod.namespace === namespace && p.pod.deployment === deployment);
  }

  async close(): Promise<void> {
    await Promise.all(this.running.map((p) => p.close().catch(() => undefined)));
    this.opts.podAddresses.release(this.pods.map((p) => p.ip));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
