// Per-backend resilience state (outlier detection and the request queue), one entry per backend
// id for the life of the process: rules compiled from successive tables share it, so a reload
// neither forgets an ejection nor the requests in flight. The settings are the gateway-wide
// defaults (flags) overlaid with a backend's own UpstreamResilienceIR, when one is given (the
// hook a TrafficPolicy's circuitBreaker / passive health check uses).
import type { BackendIR, UpstreamResilienceIR } from '../../ir/index.ts';
import { BackendOutliers, DEFAULT_OUTLIER_DETECTION, endpointKey, resolveOutlierSettings } from './outlier.ts';
import type { EjectionEvent, OutlierSettings } from './outlier.ts';
import { BackendQueue, DEFAULT_BACKEND_QUEUE, resolveQueueSettings } from './queue.ts';
import type { QueueSettings } from './queue.ts';

export interface BackendResilience {
  outliers: BackendOutliers;
  queue: BackendQueue;
}

export class ResilienceRegistry {
  readonly #byId = new Map<string, BackendResilience>();
  readonly #outlier: OutlierSettings;
  readonly #queue: QueueSettings;

  constructor(defaults: UpstreamResilienceIR = {}, readonly onEject?: (e: EjectionEvent) => void) {
    this.#outlier = resolveOutlierSettings(DEFAULT_OUTLIER_DETECTION, defaults.outlierDetection);
    this.#queue = resolveQueueSettings(DEFAULT_BACKEND_QUEUE, defaults.queue);
  }

  /**
   * The state of this backend. `override` is the backend's own settings; when they change, the
   * entry is rebuilt (a new policy starts a new count).
   */
  get(backend: BackendIR, override?: UpstreamResilienceIR): BackendResilience {
    const outlier = resolveOutlierSettings(this.#outlier, override?.outlierDetection);
    const queue = resolveQueueSettings(this.#queue, override?.queue);
    const had = this.#byId.get(backend.id);
    if (had !== undefined && same(had.outliers.settings, outlier) && same(had.queue.settings, queue)) return had;
    const entry: BackendResilience = {
      outliers: had !== undefined && same(had.outliers.settings, outlier) ? had.outliers : new BackendOutliers(backend.id, outlier, this.onEject),
      queue: had !== undefined && same(had.queue.settings, queue) ? had.queue : new BackendQueue(queue),
    };
    this.#byId.set(backend.id, entry);
    return entry;
  }

  /** Forgets backends and endpoints that are gone from the table. */
  retain(backends: Iterable<BackendIR>): void {
    const endpoints = new Map<string, Set<string>>();
    for (const b of backends) {
      let set = endpoints.get(b.id);
      if (set === undefined) endpoints.set(b.id, (set = new Set()));
      for (const ep of b.endpoints) set.add(endpointKey(ep));
    }
    for (const [id, entry] of this.#byId) {
      const keep = endpoints.get(id);
      // A request still queued or in flight keeps its backend's entry until the next reload.
      if (keep === undefined && entry.queue.active === 0 && entry.queue.pending === 0) this.#byId.delete(id);
      else entry.outliers.retain(keep ?? new Set());
    }
  }
}

function same<T extends object>(a: T, b: T): boolean {
  for (const k in a) if (a[k] !== b[k]) return false;
  return true;
}
