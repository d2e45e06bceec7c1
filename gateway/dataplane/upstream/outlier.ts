// Passive outlier detection: an endpoint whose answers keep failing is taken out of its backend's
// rotation for a while, then brought back. Nothing is probed; real requests are the evidence.
// The state lives in this process only (each worker process judges the endpoints by the
// requests it sends itself), keyed by backend id and endpoint address so it survives reloads.
import type { BackendIR, EndpointIR, OutlierDetectionIR } from '../../ir/index.ts';

export interface OutlierSettings {
  consecutiveLocalOriginFailure: number;
  consecutive5xx: number;
  consecutiveGatewayFailure: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
  maxEjectionPercent: number;
  panicThresholdPercent: number;
}

// By default only the gateway's own failures to get an answer count (Envoy's
// consecutive_local_origin_failure, 5): a 5xx answer comes from a live endpoint, and ejecting the
// only endpoint of a backend whose application answers some requests 500 (or a retry test that
// asks for 503s) would turn those into 503s for every request. The 5xx counters are there to be
// switched on. The ejection share differs from Envoy's 10 %, which ejects one endpoint of ten at a
// time: a backend with two dead endpoints of three kept sending a third of its traffic to one.
// The panic threshold is Envoy's default (50 %): with fewer endpoints in rotation than that, the
// ejections are ignored. Ejecting the only endpoint of a backend (or every endpoint) would
// otherwise answer 503 for the whole ejection even when the endpoint has recovered after a
// second, or the failures were a burst; sending to it costs a fast failure at worst.
export const DEFAULT_OUTLIER_DETECTION: OutlierSettings = {
  consecutiveLocalOriginFailure: 5,
  consecutive5xx: 0,
  consecutiveGatewayFailure: 0,
  baseEjectionMs: 30_000,
  maxEjectionMs: 300_000,
  maxEjectionPercent: 50,
  panicThresholdPercent: 50,
};

export function resolveOutlierSettings(defaults: OutlierSettings, o: OutlierDetectionIR | undefined): OutlierSettings {
  if (o === undefined) return defaults;
  const out = { ...defaults };
  for (const k of Object.keys(defaults) as (keyof OutlierSettings)[]) {
    const v = o[k];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[k] = v;
  }
  return out;
}

/**
 * What one attempt told us about an endpoint: an answer below 500, a 5xx answer (other than
 * 502/503/504), a 502/503/504 answer, or no answer (connect refused, reset, timeout, TLS failure).
 */
export type EndpointVerdict = 'success' | '5xx' | 'gateway' | 'local';

interface Health {
  consecutiveLocal: number;
  consecutive5xx: number;
  consecutiveGateway: number;
  /** 0 when in rotation; else the time (ms, monotonic) the ejection ends. */
  ejectedUntil: number;
  /** Ejections in a row: the next one lasts (ejections + 1) × base. Decays while healthy. */
  ejections: number;
  returnedAt: number;
}

export interface EjectionEvent {
  backend: string;
  endpoint: string;
  durationMs: number;
  /** Endpoints of the backend ejected after this one, this one included. */
  ejected: number;
  endpoints: number;
}

const now = () => performance.now();
const keyOf = (ep: EndpointIR) => (ep.address.includes(':') ? `[${ep.address}]:${ep.port}` : `${ep.address}:${ep.port}`);

/** The outlier state of one backend (all rules that send to it share it). */
export class BackendOutliers {
  readonly #health = new Map<string, Health>();
  /** Endpoints with a failure streak or an ejection: 0 makes success() and pick() free. */
  #tracked = 0;
  #ejected = 0;

  constructor(
    readonly id: string,
    readonly settings: OutlierSettings,
    readonly onEject: ((e: EjectionEvent) => void) | undefined,
  ) {}

  get enabled(): boolean {
    const s = this.settings;
    return s.consecutiveLocalOriginFailure > 0 || s.consecutive5xx > 0 || s.consecutiveGatewayFailure > 0;
  }

  /** Ejected endpoints right now (bringing back those whose time is up). */
  ejectedCount(): number {
    if (this.#ejected > 0) this.#returnDue(now());
    return this.#ejected;
  }

  isEjected(ep: EndpointIR): boolean {
    if (this.#ejected === 0) return false;
    const h = this.#health.get(keyOf(ep));
    if (h === undefined || h.ejectedUntil === 0) return false;
    if (h.ejectedUntil > now()) return true;
    this.#return(h, now());
    return false;
  }

  /**
   * Whether too few of the backend's endpoints are in rotation (below the panic threshold): then
   * ejections are ignored and every endpoint takes its share again.
   */
  panicking(backend: BackendIR): boolean {
    const n = backend.endpoints.length;
    const ejected = this.ejectedCount();
    return ejected > 0 && n > 0 && (n - ejected) * 100 < this.settings.panicThresholdPercent * n;
  }

  /**
   * An endpoint in rotation, from `next` (the backend's round robin), skipping ejected ones;
   * in panic (see panicking()) the rotation's pick as it is; undefined when every endpoint is
   * ejected and the panic threshold is 0.
   */
  pick(backend: BackendIR, next: () => EndpointIR | undefined): EndpointIR | undefined {
    const first = next();
    if (this.#ejected === 0 || first === undefined) return first;
    if (!this.isEjected(first) || this.panicking(backend)) return first;
    // Bounded: a rotation visits every endpoint within 2n picks (a random draw may repeat one).
    for (let i = 1; i < 2 * backend.endpoints.length; i++) {
      const ep = next();
      if (ep !== undefined && !this.isEjected(ep)) return ep;
    }
    return undefined;
  }

  record(backend: BackendIR, ep: EndpointIR, verdict: EndpointVerdict): void {
    if (verdict === 'success') {
      if (this.#tracked === 0) return;
      const h = this.#health.get(keyOf(ep));
      if (h === undefined || h.ejectedUntil !== 0) return;
      h.consecutiveLocal = 0;
      h.consecutive5xx = 0;
      h.consecutiveGateway = 0;
      if (h.ejections === 0) this.#forget(keyOf(ep));
      return;
    }
    if (!this.enabled) return;
    const key = keyOf(ep);
    let h = this.#health.get(key);
    if (h === undefined) {
      h = { consecutiveLocal: 0, consecutive5xx: 0, consecutiveGateway: 0, ejectedUntil: 0, ejections: 0, returnedAt: 0 };
      this.#health.set(key, h);
      this.#tracked++;
    }
    if (h.ejectedUntil !== 0) return; // answers of requests sent before the ejection
    h.consecutive5xx++;
    if (verdict !== '5xx') h.consecutiveGateway++;
    // An answer, even a 5xx, ends a streak of failures to get one.
    if (verdict === 'local') h.consecutiveLocal++;
    else h.consecutiveLocal = 0;
    if (this.#overThreshold(h) && this.#mayEject(backend, key)) this.#eject(backend, key, h);
  }

  #overThreshold(h: Health | undefined): boolean {
    if (h === undefined) return false;
    const s = this.settings;
    return (s.consecutiveLocalOriginFailure > 0 && h.consecutiveLocal >= s.consecutiveLocalOriginFailure) ||
      (s.consecutive5xx > 0 && h.consecutive5xx >= s.consecutive5xx) ||
      (s.consecutiveGatewayFailure > 0 && h.consecutiveGateway >= s.consecutiveGatewayFailure);
  }

  #mayEject(backend: BackendIR, key: string): boolean {
    const n = backend.endpoints.length;
    const cap = Math.max(1, Math.floor((n * this.settings.maxEjectionPercent) / 100));
    if (this.ejectedCount() < cap) return true;
    // Beyond the share only when no endpoint is healthy: with a panic threshold of 0 the backend
    // then answers 503 at once rather than send every request to an endpoint that fails it
    // (above 0 it panics, and the ejections only mark the endpoints, in logs and metrics).
    for (const ep of backend.endpoints) {
      const k = keyOf(ep);
      if (k === key) continue;
      const h = this.#health.get(k);
      if (h === undefined || (h.ejectedUntil === 0 && !this.#overThreshold(h))) return false;
    }
    return true;
  }

  #eject(backend: BackendIR, key: string, h: Health): void {
    const s = this.settings;
    const t = now();
    // A streak of ejections decays by one per base period spent back in rotation.
    if (h.ejections > 0 && h.returnedAt > 0 && s.baseEjectionMs > 0) {
      h.ejections = Math.max(0, h.ejections - Math.floor((t - h.returnedAt) / s.baseEjectionMs));
    }
    h.ejections++;
    const durationMs = Math.min(s.baseEjectionMs * h.ejections, Math.max(s.maxEjectionMs, s.baseEjectionMs));
    h.ejectedUntil = t + Math.max(1, durationMs);
    h.consecutiveLocal = 0;
    h.consecutive5xx = 0;
    h.consecutiveGateway = 0;
    this.#ejected++;
    this.onEject?.({ backend: this.id, endpoint: key, durationMs, ejected: this.#ejected, endpoints: backend.endpoints.length });
  }

  #return(h: Health, t: number): void {
    h.ejectedUntil = 0;
    h.returnedAt = t;
    this.#ejected--;
  }

  #returnDue(t: number): void {
    for (const h of this.#health.values()) if (h.ejectedUntil !== 0 && h.ejectedUntil <= t) this.#return(h, t);
  }

  #forget(key: string): void {
    this.#health.delete(key);
    this.#tracked--;
  }

  /** Drops state of endpoints the backend no longer has. */
  retain(endpoints: ReadonlySet<string>): void {
    for (const [key, h] of this.#health) {
      if (endpoints.has(key)) continue;
      if (h.ejectedUntil !== 0) this.#ejected--;
      this.#forget(key);
    }
  }
}

export { keyOf as endpointKey };
