// Which route outcomes (route-outcome.ts) of the previous translation still hold. An outcome is
// a function of the route object, of everything the Gateway side of the translation reads
// (classes, Gateways, ListenerSets, Namespaces, Secrets, ConfigMaps, ReferenceGrants, policies,
// certificate verdicts, options) and of the Services and EndpointSlices the route looked up.
// Objects are compared by identity (providers keep an unchanged object's identity), so a change
// to one route re-translates that route only, a Service or EndpointSlice change re-resolves the
// routes that reference that Service, and anything else starts the memo afresh.
import type { EndpointSlice, KubeObject, Service, Snapshot } from '../model/index.ts';
import type { ResourceStatus, TranslateOptions } from './api.ts';
import type { Context } from './context.ts';
import type { OutcomeKind, RouteOutcome } from './route-outcome.ts';

/** Snapshot fields a route outcome may depend on through its memo entry rather than the environment. */
const PER_ROUTE = new Set(['httpRoutes', 'grpcRoutes', 'tlsRoutes', 'tcpRoutes', 'udpRoutes', 'services', 'endpointSlices']);

interface Entry {
  obj: KubeObject<any>;
  outcome: RouteOutcome;
  /** The Services looked up and their slices, as they were. */
  deps: { key: string; service: Service | undefined; slices: EndpointSlice[] | undefined }[];
}

export interface RouteMemo {
  /** Starts a translation: forgets everything when the environment changed. */
  begin(snapshot: Snapshot, options: TranslateOptions): void;
  get(kind: OutcomeKind, obj: KubeObject<any>, ctx: Context): RouteOutcome | undefined;
  set(kind: OutcomeKind, obj: KubeObject<any>, ctx: Context, outcome: RouteOutcome): void;
  /** Ends a translation: entries of routes it did not see are dropped. */
  end(): void;
  /** A status made from a reused outcome: the same as the previous translation's, but for times that were "now". */
  markReused(status: ResourceStatus): void;
  isReused(status: ResourceStatus): boolean;
  /** Routes taken from the memo in the last translation (for tests and metrics). */
  readonly hits: number;
}

const keyOf = (kind: string, obj: KubeObject<any>) => `${kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;

function sameList(a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The environment: every non-route input, compared by identity (arrays element-wise) or content (records). */
function environment(snapshot: Snapshot, options: TranslateOptions): Map<string, unknown> {
  const env = new Map<string, unknown>();
  for (const [k, v] of Object.entries(snapshot)) if (!PER_ROUTE.has(k)) env.set(k, v);
  const { now: _now, ...rest } = options;
  env.set('options', JSON.stringify(rest));
  return env;
}

function sameEnvironment(a: Map<string, unknown>, b: Map<string, unknown>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    if (!b.has(k)) return false;
    const w = b.get(k);
    if (v === w) continue;
    if (Array.isArray(v) && Array.isArray(w)) { if (!sameList(v, w)) return false; continue; }
    // Records rebuilt per snapshot (certificate verdicts, last-good reasons): small, by content.
    if (JSON.stringify(v) !== JSON.stringify(w)) return false;
  }
  return true;
}

export function createRouteMemo(): RouteMemo {
  let env: Map<string, unknown> | undefined;
  let entries = new Map<string, Entry>();
  let next = new Map<string, Entry>();
  let hits = 0;
  let reused = new WeakSet<ResourceStatus>();
  return {
    begin(snapshot, options) {
      const e = environment(snapshot, options);
      if (!env || !sameEnvironment(env, e)) entries = new Map();
      env = e;
      next = new Map();
      hits = 0;
      reused = new WeakSet();
    },
    markReused: (status) => { reused.add(status); },
    isReused: (status) => reused.has(status),
    get(kind, obj, ctx) {
      const key = keyOf(kind, obj);
      const e = entries.get(key);
      if (!e || e.obj !== obj) return undefined;
      for (const d of e.deps) {
        if (ctx.services.get(d.key) !== d.service || !sameList(ctx.slices.get(d.key), d.slices)) return undefined;
      }
      next.set(key, e);
      hits++;
      return e.outcome;
    },
    set(kind, obj, ctx, outcome) {
      const deps = outcome.serviceRefs.map((key) => ({ key, service: ctx.services.get(key), slices: ctx.slices.get(key) }));
      next.set(keyOf(kind, obj), { obj, outcome, deps });
    },
    end() {
      entries = next;
      next = new Map();
    },
    get hits() { return hits; },
  };
}
