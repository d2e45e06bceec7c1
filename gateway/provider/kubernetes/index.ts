// The Kubernetes provider: informers for every kind the Snapshot holds, one coalesced snapshot
// per burst of changes, status write-back by the Lease holder only. Every replica serves
// traffic from its own informers; only the leader writes to the API server.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { assembleSnapshot, normalizedCopy, type KubeObject, type Snapshot, type SnapshotKey } from '../../model/index.ts';
import type { Problem, ResourceStatus } from '../../translator/api.ts';
import type { Provider, ProviderUpdate } from '../../pipeline.ts';
import { WATCHED_KINDS } from './kinds.ts';
import { createRest, type KubeRest } from './rest.ts';
import { createInformer, type Informer } from './informer.ts';
import { createStatusWriter, type WriteSummary } from './status-writer.ts';
import { createLeaderElector, type LeaderElector } from './leader.ts';
import { policySecrets, referencedSecrets } from './secrets.ts';
import { createCoalescer } from '../../util/coalesce.ts';
import type { ProviderTelemetry } from '../telemetry.ts';

export type Log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface KubernetesProviderOptions {
  /** A loaded KubeConfig, or a kubeconfig path; neither = the default chain (KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeConfig?: KubeConfig;
  kubeconfigPath?: string;
  controllerName: string;
  /** "ns/name" of the Gateways served (--gateway): status entries for other Gateways of this controller are left alone. */
  gateways?: string[];
  /** Watch namespaced kinds only in these namespaces (Namespaces and GatewayClasses stay cluster-wide). */
  namespaces?: string[];
  /** namespace defaults to the pod's own (the service account's namespace file), else "default". */
  lease?: { namespace?: string; name: string; identity?: string; leaseDurationSeconds?: number; retryPeriodMs?: number };
  /**
   * A watch event after a quiet spell becomes a snapshot at once; events within this window of
   * it are collected into one more snapshot when the window closes. @default 50
   */
  coalesceMs?: number;
  watchTimeoutMs?: number;
  stallMs?: number;
  backoffBaseMs?: number;
  log?: Log;
  /** Hooks for the control-plane metrics (watch events and restarts, status writes, leadership). */
  telemetry?: ProviderTelemetry;
}

export interface KubernetesProvider extends Provider {
  writeStatus(statuses: ResourceStatus[], snapshot: Snapshot): Promise<void>;
  isLeader(): boolean;
  informers(): Informer[];
  /** A snapshot of the informers' caches right now (status included, even status-only updates). */
  snapshot(): Snapshot;
  /** Resolves after the queued status write (if any) is done. */
  flushed(): Promise<WriteSummary | undefined>;
}

export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

const SA_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

function podNamespace(): string {
  try { return readFileSync(SA_NAMESPACE, 'utf8').trim() || 'default'; } catch { return 'default'; }
}

function notServedProblem(i: Informer): Problem {
  const k = i.kind;
  return {
    severity: 'warning', ref: { group: k.group, kind: k.kind, name: k.plural }, field: '', reason: 'NotServed',
    message: `the API server does not serve ${k.plural}${k.group ? `.${k.group}` : ''}/${k.version}: ${k.kind} objects are treated as absent`,
    fix: 'install the Gateway API v1.6.1 CRDs (standard channel); Portico notices them without a restart',
  };
}

export function createKubernetesProvider(o: KubernetesProviderOptions): KubernetesProvider {
  const log: Log = o.log ?? (() => {});
  const kc = o.kubeConfig ?? loadKubeConfig(o.kubeconfigPath);
  const rest: KubeRest = createRest(kc);
  const coalesceMs = o.coalesceMs ?? 50;
  const informers: Informer[] = [];
  for (const kind of WATCHED_KINDS) {
    const scopes = kind.namespaced && o.namespaces?.length ? o.namespaces : [undefined];
    for (const namespace of scopes) {
      informers.push(createInformer({
        kc, rest, kind, namespace, log, onChange: changed,
        watchTimeoutMs: o.watchTimeoutMs, stallMs: o.stallMs, backoffBaseMs: o.backoffBaseMs, telemetry: o.telemetry,
      }));
    }
  }
  // Secrets a policy names, one informer each (namespace/name → informer); see secrets.ts.
  const SECRET_KIND = WATCHED_KINDS.find((k) => k.kind === 'Secret' && k.group === '')!;
  const named = new Map<string, Informer>();
  function syncNamedSecrets(wanted: Set<string>): void {
    for (const [key, inf] of named) {
      if (wanted.has(key)) continue;
      named.delete(key);
      void inf.stop();
    }
    for (const key of wanted) {
      if (named.has(key)) continue;
      const [namespace, name] = key.split('/') as [string, string];
      if (o.namespaces?.length && !o.namespaces.includes(namespace)) continue;
      const inf = createInformer({
        kc, rest, kind: { ...SECRET_KIND, fieldSelector: `metadata.name=${name}` }, namespace, log, onChange: changed,
        watchTimeoutMs: o.watchTimeoutMs, stallMs: o.stallMs, backoffBaseMs: o.backoffBaseMs, telemetry: o.telemetry,
      });
      named.set(key, inf);
      // Its first list is a change like any other: the next snapshot has the Secret.
      void inf.start().then(() => changed(), () => {});
    }
  }
  const writer = createStatusWriter({ rest, controllerName: o.controllerName, gateways: o.gateways, log, telemetry: o.telemetry });
  let elector: LeaderElector | undefined;
  let onUpdate: ((u: ProviderUpdate) => void) | undefined;
  // A lone watch event becomes a snapshot at once; a burst (a list, kubectl apply -f dir) is
  // collected for one window, so a big change is translated once or twice, not per object.
  const coalescer = createCoalescer(() => emit(), coalesceMs);
  let started = false;
  let pending: { statuses: ResourceStatus[]; snapshot: Snapshot } | undefined;
  let writing: Promise<WriteSummary | undefined> = Promise.resolve(undefined);

  function changed(): void {
    if (!started || !onUpdate) return;
    coalescer.poke();
  }

  // Each cached object is copied into snapshot form once, not on every event: a snapshot of
  // thousands of objects is then assembled from the same objects, and unchanged ones keep their
  // identity (the incremental translator keys on it).
  const normalized = new WeakMap<object, { key: SnapshotKey; object: KubeObject } | null>();

  function snapshotNow(): Snapshot {
    const objects: { key: SnapshotKey; object: KubeObject }[] = [];
    for (const i of [...informers, ...named.values()]) {
      for (const raw of i.list()) {
        let n = normalized.get(raw);
        if (n === undefined) {
          n = normalizedCopy(raw) ?? null;
          normalized.set(raw, n);
        }
        if (n) objects.push(n);
      }
    }
    const snapshot = assembleSnapshot(objects);
    // TLS Secrets are listed by type; the translator sees just those a listener references, and
    // the Secrets a policy names (read by name). One copy of each.
    const wanted = referencedSecrets(snapshot);
    const byPolicy = policySecrets(snapshot);
    const seen = new Set<string>();
    snapshot.secrets = snapshot.secrets.filter((s) => {
      const key = `${s.metadata.namespace}/${s.metadata.name}`;
      if (seen.has(key) || !(wanted.has(key) || byPolicy.has(key))) return false;
      seen.add(key);
      return true;
    });
    return snapshot;
  }

  function emit(): void {
    const snapshot = snapshotNow();
    if (started) syncNamedSecrets(policySecrets(snapshot));
    onUpdate?.({ snapshot, problems: informers.filter((i) => i.notServed()).map(notServedProblem) });
  }

  function flush(): Promise<WriteSummary | undefined> {
    // One write at a time, always of the newest statuses: older ones are superseded.
    writing = writing.then(async () => {
      if (!pending || !(elector?.isLeader() ?? true)) return undefined;
      const { statuses } = pending;
      pending = undefined;
      // Judged against the informers' current objects, not the translated snapshot: status-only
      // updates (our own previous writes) do not produce snapshots, but the caches have them.
      return writer.write(statuses, snapshotNow());
    }).catch((err) => { log('warn', 'status write failed', { error: (err as Error).message }); return undefined; });
    return writing;
  }

  if (o.lease) {
    elector = createLeaderElector({
      rest, namespace: o.lease.namespace ?? podNamespace(), name: o.lease.name,
      identity: o.lease.identity ?? `${hostname()}-${randomUUID().slice(0, 8)}`,
      leaseDurationSeconds: o.lease.leaseDurationSeconds, retryPeriodMs: o.lease.retryPeriodMs, log,
      onChange: (leader) => { if (leader) void flush(); }, telemetry: o.telemetry,
    });
  }
  // Without a Lease this replica writes status: it counts as the leader.
  o.telemetry?.leader?.(elector === undefined);

  return {
    async start(cb) {
      onUpdate = cb;
      elector?.start();
      await Promise.all(informers.map((i) => i.start()));
      started = true;
      log('info', 'kubernetes informers synced', { informers: informers.length });
      emit();
    },
    async close() {
      onUpdate = undefined;
      started = false;
      coalescer.cancel();
      await Promise.all([...informers, ...named.values()].map((i) => i.stop()));
      named.clear();
      await writing;
      await elector?.stop();
    },
    // Returns at once: the pipeline must not hold the next config back for API round trips.
    // Statuses queued while a write is in flight replace each other; only the newest is written.
    async writeStatus(statuses, snapshot) {
      pending = { statuses, snapshot };
      void flush();
    },
    isLeader: () => elector?.isLeader() ?? true,
    informers: () => informers,
    snapshot: snapshotNow,
    flushed: () => writing,
  };
}
