// One supervised client-node ListWatch per (kind, namespace). ListWatch re-lists on 410 Gone and
// re-watches after its inactivity timeout, but stops for good on any other error; the supervisor
// restarts it with capped exponential backoff (one restart in flight at a time) and a watchdog
// restarts it when nothing at all (event or reconnect) has happened for `stallMs`.
import { ListWatch, Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { apiVersionOf, collectionPath, type WatchedKind } from './kinds.ts';
import type { KubeRest } from './rest.ts';
import type { ProviderTelemetry } from '../telemetry.ts';

export interface InformerOptions {
  kc: KubeConfig;
  rest: KubeRest;
  kind: WatchedKind;
  namespace?: string;
  onChange: () => void;
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /** client-node's watch inactivity timeout. @default 30000 */
  watchTimeoutMs?: number;
  /** @default 3 × watchTimeoutMs */
  stallMs?: number;
  /** @default 250 */
  backoffBaseMs?: number;
  /** @default 30000 */
  backoffMaxMs?: number;
  telemetry?: ProviderTelemetry;
}

export interface Informer {
  readonly name: string;
  readonly kind: WatchedKind;
  /** Resolves after the first successful list (retrying until then, or until stop()). */
  start(): Promise<void>;
  stop(): Promise<void>;
  synced(): boolean;
  /** The API server answers 404 for this resource (its CRD is not installed): served as empty, retried. */
  notServed(): boolean;
  /** The cached objects, with apiVersion/kind filled in (list items carry neither). */
  list(): Record<string, any>[];
  /** How many times the supervisor restarted the ListWatch (tests, metrics). */
  restarts(): number;
}

export function createInformer(o: InformerOptions): Informer {
  const name = `${o.kind.kind}${o.namespace ? ` in ${o.namespace}` : ''}`;
  const path = collectionPath(o.kind, o.namespace);
  const watch = new Watch(o.kc);
  const watchTimeoutMs = o.watchTimeoutMs ?? 30_000;
  // Not in client-node's typings, but the field its inactivity timer reads.
  (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = watchTimeoutMs;
  const stallMs = o.stallMs ?? 3 * watchTimeoutMs;
  const base = o.backoffBaseMs ?? 250, max = o.backoffMaxMs ?? 30_000;
  let isSynced = false, stopped = true, restarting = false, failures = 0, restartCount = 0;
  let lastActivity = Date.now();
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let watchdog: ReturnType<typeof setInterval> | undefined;
  let syncWaiters: (() => void)[] = [];

  const listFn = async () => {
    const list = await o.rest.request('GET', path, { query: { fieldSelector: o.kind.fieldSelector } });
    return { metadata: list.metadata ?? {}, items: list.items ?? [] } as any;
  };
  const lw = new ListWatch<KubernetesObject>(path, watch, listFn, false, undefined, o.kind.fieldSelector);
  const touched = () => { lastActivity = Date.now(); };
  const changed = () => { touched(); failures = 0; o.onChange(); };
  // A status-only update (most often our own write coming back) changes nothing the translator
  // routes on; re-translating and reloading the data plane for it would be a loop of no-ops.
  // The cache still holds the new status, for the status writer. (Kinds whose status is input,
  // such as the gateway's own Service and its load-balancer address, count status as a change.)
  const fingerprints = new Map<string, string>();
  const keyOf = (obj: KubernetesObject) => `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
  const fingerprint = (obj: KubernetesObject) =>
    JSON.stringify({ ...obj, status: o.kind.statusIsInput ? (obj as { status?: unknown }).status : undefined, metadata: { ...obj.metadata, resourceVersion: undefined, managedFields: undefined } });
  const t = o.telemetry;
  t?.watching?.(o.kind.kind);
  lw.on('add', (obj) => { t?.watchEvent?.(o.kind.kind, 'add'); fingerprints.set(keyOf(obj), fingerprint(obj)); changed(); });
  lw.on('update', (obj) => {
    t?.watchEvent?.(o.kind.kind, 'update');
    const f = fingerprint(obj);
    if (fingerprints.get(keyOf(obj)) === f) { touched(); return; }
    fingerprints.set(keyOf(obj), f);
    changed();
  });
  lw.on('delete', (obj) => { t?.watchEvent?.(o.kind.kind, 'delete'); fingerprints.delete(keyOf(obj)); changed(); });
  lw.on('connect', touched);
  let failedDuringRun = false;
  let missing = false;
  const shaped = new WeakMap<object, Record<string, any>>();
  lw.on('error', (err: any) => {
    if (stopped) return;
    if (err?.statusCode === 404) {
      // A kind whose CRD is not installed is empty, not a reason to never serve; keep retrying
      // (capped backoff) so that installing the CRD later is noticed.
      if (!missing) {
        o.log('warn', 'resource not served by the API server; treating it as empty', { informer: name, path });
        missing = true;
        if (isSynced) o.onChange();
      }
      markSynced();
    } else {
      o.log('warn', 'watch failed; restarting', { informer: name, error: String(err?.message ?? err) });
    }
    if (restarting) failedDuringRun = true;
    else scheduleRestart();
  });

  function markSynced(): void {
    if (isSynced) return;
    isSynced = true;
    for (const w of syncWaiters) w();
    syncWaiters = [];
    // A kind that is empty at start still counts: the first snapshot must not wait for events.
    o.onChange();
  }

  async function run(): Promise<void> {
    if (stopped || restarting) return;
    restarting = true;
    failedDuringRun = false;
    try {
      touched();
      await lw.start();
    } catch (err) {
      failedDuringRun = true;
      o.log('warn', 'watch start failed', { informer: name, error: String((err as Error)?.message ?? err) });
    } finally {
      restarting = false;
    }
    if (stopped) return;
    if (failedDuringRun) scheduleRestart();
    else {
      failures = 0;
      if (missing) { missing = false; o.log('info', 'resource is served now', { informer: name }); o.onChange(); }
      markSynced();
    }
  }

  function scheduleRestart(): void {
    if (stopped || retryTimer || restarting) return;
    const delay = Math.min(max, base * 2 ** failures++);
    retryTimer = setTimeout(() => { retryTimer = undefined; restartCount++; t?.watchRestart?.(o.kind.kind); void run(); }, delay);
    retryTimer.unref?.();
  }

  return {
    name,
    kind: o.kind,
    async start() {
      stopped = false;
      watchdog = setInterval(() => {
        if (stopped || restarting || retryTimer || Date.now() - lastActivity < stallMs) return;
        o.log('warn', 'watch stalled; restarting', { informer: name, quietMs: Date.now() - lastActivity });
        void lw.stop().then(() => { if (!stopped) scheduleRestart(); });
      }, Math.max(50, Math.min(stallMs / 3, 10_000)));
      watchdog.unref?.();
      const ready = isSynced ? Promise.resolve() : new Promise<void>((r) => syncWaiters.push(r));
      void run();
      await ready;
    },
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      if (watchdog) clearInterval(watchdog);
      await lw.stop();
      for (const w of syncWaiters) w();
      syncWaiters = [];
    },
    synced: () => isSynced,
    notServed: () => missing,
    // The same cached object lists as the same shaped object, so an object that did not change
    // keeps its identity from one snapshot to the next (the incremental translator keys on it).
    list: () => missing ? [] : lw.list().map((obj): Record<string, any> => {
      const known = shaped.get(obj as object);
      if (known !== undefined) return known;
      const out: Record<string, any> = { ...(obj as any), apiVersion: apiVersionOf(o.kind), kind: o.kind.kind };
      shaped.set(obj as object, out);
      return out;
    }),
    restarts: () => restartCount,
  };
}
