// The bound on requests one backend may hold: up to maxRequests in flight, up to maxPending
// waiting for one of them to finish (each at most queueTimeoutMs), and every request beyond that
// answered 503 at once. A backend that stops answering then costs the gateway a bounded number of
// requests instead of every request that arrives until the timeouts fire. Per process, like
// the outlier state; keyed by backend id so a reload keeps the counts of requests in flight.
import type { BackendQueueIR } from '../../ir/index.ts';

export interface QueueSettings {
  maxRequests: number;
  maxPending: number;
  queueTimeoutMs: number;
}

// Envoy's circuit-breaker defaults (max_requests, max_pending_requests 1024); the queue timeout
// is short because a request that waited that long is better answered than held.
export const DEFAULT_BACKEND_QUEUE: QueueSettings = { maxRequests: 1024, maxPending: 1024, queueTimeoutMs: 5_000 };

export function resolveQueueSettings(defaults: QueueSettings, o: BackendQueueIR | undefined): QueueSettings {
  if (o === undefined) return defaults;
  const out = { ...defaults };
  for (const k of Object.keys(defaults) as (keyof QueueSettings)[]) {
    const v = o[k];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[k] = v;
  }
  return out;
}

export type Admission = 'queue-full' | 'queue-timeout' | 'aborted';

interface Waiter {
  resolve(v: true | Admission): void;
  timer: NodeJS.Timeout | undefined;
  signal: AbortSignal;
  onAbort: () => void;
}

export class BackendQueue {
  #active = 0;
  readonly #waiting: Waiter[] = [];
  #head = 0;

  constructor(readonly settings: QueueSettings) {}

  /** Requests holding a slot (in flight to the backend). */
  get active(): number {
    return this.#active;
  }

  /** Requests waiting for a slot. */
  get pending(): number {
    return this.#waiting.length - this.#head;
  }

  /**
   * Takes a slot: true at once when one is free (the common case, no promise), else a promise
   * of true (a slot was handed over) or why not. Every true must be paired with one leave().
   * The request's signal is read only when it has to wait: an exchange makes its AbortController
   * on demand, and the common case needs none.
   */
  enter(request: { readonly signal: AbortSignal }): true | 'queue-full' | Promise<true | Admission> {
    const s = this.settings;
    if (s.maxRequests === 0 || this.#active < s.maxRequests) {
      this.#active++;
      return true;
    }
    if (this.pending >= s.maxPending) return 'queue-full';
    const signal = request.signal;
    return new Promise((resolve) => {
      const w: Waiter = {
        resolve, signal, timer: undefined,
        onAbort: () => this.#drop(w, 'aborted'),
      };
      if (s.queueTimeoutMs > 0) w.timer = setTimeout(() => this.#drop(w, 'queue-timeout'), s.queueTimeoutMs);
      signal.addEventListener('abort', w.onAbort, { once: true });
      this.#waiting.push(w);
    });
  }

  leave(): void {
    // The slot goes straight to the oldest waiter: the count of requests in flight stays put.
    while (this.#head < this.#waiting.length) {
      const w = this.#waiting[this.#head]!;
      this.#waiting[this.#head++] = undefined as unknown as Waiter;
      this.#compact();
      if (w.signal.aborted) continue;
      this.#settle(w);
      w.resolve(true);
      return;
    }
    this.#active--;
  }

  #drop(w: Waiter, why: Admission): void {
    const i = this.#waiting.indexOf(w, this.#head);
    if (i < 0) return;
    this.#waiting.splice(i, 1);
    this.#settle(w);
    w.resolve(why);
  }

  #settle(w: Waiter): void {
    if (w.timer !== undefined) clearTimeout(w.timer);
    w.signal.removeEventListener('abort', w.onAbort);
  }

  #compact(): void {
    if (this.#head === this.#waiting.length) {
      this.#waiting.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
