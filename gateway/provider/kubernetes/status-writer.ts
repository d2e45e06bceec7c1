// Status write-back. Gateway, GatewayClass and ListenerSet status is the class controller's
// alone: one merge-patch of the /status subresource. Route `status.parents` and policy
// `status.ancestors` are atomic lists shared with other controllers: read the latest object,
// keep every entry whose controllerName is not ours, replace ours, PUT with that
// resourceVersion, and start over on 409 Conflict. Writes that would not change anything are
// skipped, judged against the live object.
import type { Snapshot, SnapshotKey } from '../../model/index.ts';
import type { ResourceStatus } from '../../translator/api.ts';
import { kindOf, objectPath, WATCHED_KINDS, type WatchedKind } from './kinds.ts';
import { KubeError, MERGE_PATCH, type KubeRest } from './rest.ts';
import { mergeOwnedEntries, ownsServedEntry, preserveTransitions, sameJson, type OwnsEntry } from './status-merge.ts';
import type { ProviderTelemetry } from '../telemetry.ts';

export interface StatusWriterOptions {
  rest: KubeRest;
  controllerName: string;
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /** @default 5 */
  maxConflictRetries?: number;
  /**
   * "ns/name" of the Gateways this process serves (--gateway); entries for other Gateways of the
   * same controller belong to the Deployments serving them and are kept. @default every Gateway
   */
  gateways?: string[];
  telemetry?: ProviderTelemetry;
}

export interface WriteSummary { written: number; skipped: number; conflicts: number; failed: number }

type Target = { kind: WatchedKind; namespace?: string; name: string; desired: Record<string, any> | undefined; live?: Record<string, any>; owns: OwnsEntry };

const LIST_KEY: Record<string, SnapshotKey> = {
  GatewayClass: 'gatewayClasses', Gateway: 'gateways', ListenerSet: 'listenerSets', HTTPRoute: 'httpRoutes',
  GRPCRoute: 'grpcRoutes', TLSRoute: 'tlsRoutes', TCPRoute: 'tcpRoutes', UDPRoute: 'udpRoutes', BackendTLSPolicy: 'backendTLSPolicies',
  XBackendTrafficPolicy: 'xBackendTrafficPolicies', SecurityPolicy: 'securityPolicies', TrafficPolicy: 'trafficPolicies',
};

export function createStatusWriter(o: StatusWriterOptions) {
  const maxRetries = o.maxConflictRetries ?? 5;

  // Targets judged unchanged, with the desired status and live object they were judged on: the
  // same two objects again (an unchanged route keeps both) are skipped without comparing.
  let judged = new Map<string, { desired: unknown; live: unknown }>();

  /** The live objects by "Kind/namespace/name", for the kinds whose status is written. */
  function liveIndex(snapshot: Snapshot): Map<string, Record<string, any>> {
    const out = new Map<string, Record<string, any>>();
    for (const kind of WATCHED_KINDS) {
      if (!kind.status) continue;
      for (const x of (snapshot[LIST_KEY[kind.kind]!] ?? []) as Record<string, any>[]) {
        const key = `${kind.kind}/${kind.namespaced ? x.metadata?.namespace ?? '' : ''}/${x.metadata?.name}`;
        if (!out.has(key)) out.set(key, x);
      }
    }
    return out;
  }

  /** What the whole status block should become, given the live object. */
  function nextStatus(t: Target, live: Record<string, any> | undefined): Record<string, any> {
    const liveStatus = (live?.status ?? {}) as Record<string, any>;
    if (t.kind.status === 'merge') return preserveTransitions(t.desired ?? {}, liveStatus);
    const field = t.kind.status === 'parents' ? 'parents' : 'ancestors';
    const merged = mergeOwnedEntries(liveStatus[field], t.desired?.[field], o.controllerName, t.owns);
    return { ...liveStatus, [field]: preserveTransitions(merged, liveStatus[field]) };
  }

  function unchanged(t: Target, live: Record<string, any> | undefined): boolean {
    const next = nextStatus(t, live);
    if (t.kind.status === 'merge') {
      const liveStatus = live?.status ?? {};
      return Object.keys(next).every((k) => sameJson(next[k], liveStatus[k]));
    }
    return sameJson(next, live?.status ?? {});
  }

  async function writeOne(t: Target, summary: WriteSummary): Promise<void> {
    const path = `${objectPath(t.kind, t.namespace, t.name)}/status`;
    if (t.kind.status === 'merge') {
      await o.rest.request('PATCH', path, { body: { status: nextStatus(t, t.live) }, contentType: MERGE_PATCH });
      summary.written++;
      o.telemetry?.statusWrite?.(t.kind.kind, 'written');
      return;
    }
    for (let attempt = 0; ; attempt++) {
      // The snapshot's copy may be behind; read-modify-write must start from the latest.
      const live = await o.rest.request('GET', objectPath(t.kind, t.namespace, t.name));
      if (unchanged(t, live)) { summary.skipped++; o.telemetry?.statusWrite?.(t.kind.kind, 'skipped'); return; }
      try {
        await o.rest.request('PUT', path, { body: { ...live, status: nextStatus(t, live) } });
        summary.written++;
        o.telemetry?.statusWrite?.(t.kind.kind, 'written');
        return;
      } catch (err) {
        if (err instanceof KubeError && err.statusCode === 409) o.telemetry?.statusWrite?.(t.kind.kind, 'conflict');
        if (!(err instanceof KubeError) || err.statusCode !== 409 || attempt >= maxRetries) throw err;
        summary.conflicts++;
      }
    }
  }

  return {
    async write(statuses: ResourceStatus[], snapshot: Snapshot): Promise<WriteSummary> {
      const summary: WriteSummary = { written: 0, skipped: 0, conflicts: 0, failed: 0 };
      const targets = new Map<string, Target>();
      const served = o.gateways?.length ? new Set(o.gateways) : undefined;
      const listenerSetParent = (key: string) => {
        const ls = snapshot.listenerSets.find((x) => `${x.metadata.namespace}/${x.metadata.name}` === key);
        const ref = ls?.spec?.parentRef;
        return ref ? `${ref.namespace ?? ls!.metadata.namespace}/${ref.name}` : undefined;
      };
      const ownsFor = (namespace: string | undefined): OwnsEntry => served
        ? ownsServedEntry(o.controllerName, served, namespace, listenerSetParent)
        : (e) => e?.controllerName === o.controllerName;
      const live = liveIndex(snapshot);
      for (const s of statuses) {
        const kind = kindOf(s.ref.group, s.ref.kind);
        if (!kind?.status) continue;
        const ns = kind.namespaced ? s.ref.namespace : undefined;
        const key = `${kind.kind}/${ns ?? ''}/${s.ref.name}`;
        targets.set(key, { kind, namespace: ns, name: s.ref.name, desired: s.status, live: live.get(key), owns: ownsFor(ns) });
      }
      // Entries of ours on objects the translator no longer reports on (a route detached from
      // our Gateways) must go, or they would claim an acceptance that no longer holds.
      for (const kind of WATCHED_KINDS) {
        if (kind.status !== 'parents' && kind.status !== 'ancestors') continue;
        for (const obj of (snapshot[LIST_KEY[kind.kind]!] ?? []) as Record<string, any>[]) {
          const key = `${kind.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
          const entries = obj.status?.[kind.status];
          const owns = ownsFor(obj.metadata.namespace);
          if (targets.has(key) || !Array.isArray(entries) || !entries.some(owns)) continue;
          targets.set(key, { kind, namespace: obj.metadata.namespace, name: obj.metadata.name, desired: undefined, live: obj, owns });
        }
      }
      const nextJudged = new Map<string, { desired: unknown; live: unknown }>();
      for (const [key, t] of targets) {
        const j = judged.get(key);
        // (With --gateway, ownership also depends on ListenerSets' parents: always compare.)
        if ((!served && j !== undefined && j.desired === t.desired && j.live === t.live) || unchanged(t, t.live)) {
          nextJudged.set(key, { desired: t.desired, live: t.live });
          summary.skipped++;
          o.telemetry?.statusWrite?.(t.kind.kind, 'skipped');
          continue;
        }
        try {
          await writeOne(t, summary);
        } catch (err) {
          summary.failed++;
          o.telemetry?.statusWrite?.(t.kind.kind, 'failed');
          // A 404 is an object deleted since the snapshot: nothing to write.
          if (err instanceof KubeError && err.statusCode === 404) continue;
          o.log('warn', 'status write failed', { kind: t.kind.kind, namespace: t.namespace, name: t.name, error: (err as Error).message });
        }
      }
      judged = nextJudged;
      return summary;
    },
  };
}

export type StatusWriter = ReturnType<typeof createStatusWriter>;
