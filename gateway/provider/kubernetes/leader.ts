// Leader election on a coordination.k8s.io/v1 Lease, the way client-go does it: the holder
// renews renewTime every retry period; a candidate takes the Lease over only once
// renewTime + leaseDurationSeconds has passed; every write carries the resourceVersion it read,
// so two candidates racing for one Lease cannot both win (the loser gets 409).
import { KubeError, type KubeRest } from './rest.ts';
import type { ProviderTelemetry } from '../telemetry.ts';

export interface LeaderOptions {
  rest: KubeRest;
  namespace: string;
  name: string;
  identity: string;
  /** @default 15 */
  leaseDurationSeconds?: number;
  /** @default 2000 */
  retryPeriodMs?: number;
  now?: () => number;
  onChange?: (leader: boolean) => void;
  telemetry?: ProviderTelemetry;
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export interface LeaderElector {
  start(): void;
  /** Releases the Lease when held, so another replica takes over without waiting it out. */
  stop(): Promise<void>;
  isLeader(): boolean;
  /** One acquire-or-renew round (the loop calls this; tests can too). */
  tick(): Promise<void>;
}

/** Lease times are MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function createLeaderElector(o: LeaderOptions): LeaderElector {
  const duration = o.leaseDurationSeconds ?? 15;
  const period = o.retryPeriodMs ?? 2000;
  const now = o.now ?? Date.now;
  const path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(o.namespace)}/leases/${encodeURIComponent(o.name)}`;
  let leader = false;
  /** When our last successful renew happened: leadership lapses with the Lease, even if the API is unreachable. */
  let renewedAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  function setLeader(v: boolean): void {
    if (v === leader) return;
    leader = v;
    o.telemetry?.leader?.(v);
    o.log('info', v ? 'became leader' : 'lost leadership', { lease: `${o.namespace}/${o.name}`, identity: o.identity });
    o.onChange?.(v);
  }

  function spec(prev: Record<string, any> | undefined, t: number): Record<string, any> {
    const taking = prev?.holderIdentity !== o.identity;
    return {
      ...(prev ?? {}),
      holderIdentity: o.identity,
      leaseDurationSeconds: duration,
      renewTime: microTime(t),
      acquireTime: taking || !prev?.acquireTime ? microTime(t) : prev.acquireTime,
      leaseTransitions: (prev?.leaseTransitions ?? 0) + (taking && prev?.holderIdentity ? 1 : 0),
    };
  }

  async function round(): Promise<void> {
    const t = now();
    let lease: Record<string, any> | undefined;
    try {
      lease = await o.rest.request('GET', path);
    } catch (err) {
      if (!(err instanceof KubeError && err.statusCode === 404)) throw err;
    }
    if (!lease) {
      await o.rest.request('POST', path.slice(0, path.lastIndexOf('/')), {
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: o.name, namespace: o.namespace }, spec: spec(undefined, t) },
      });
      renewedAt = t;
      return setLeader(true);
    }
    const s = lease.spec ?? {};
    const holder: string | undefined = s.holderIdentity || undefined;
    // renewTime arrives as a string; an unparsable one counts as expired.
    const renew = Date.parse(s.renewTime ?? s.acquireTime ?? '');
    const expired = !holder || Number.isNaN(renew) || renew + (s.leaseDurationSeconds ?? duration) * 1000 <= t;
    if (holder !== o.identity && !expired) { renewedAt = 0; return setLeader(false); }
    await o.rest.request('PUT', path, { body: { ...lease, spec: spec(s, t) } });
    renewedAt = t;
    setLeader(true);
  }

  async function tick(): Promise<void> {
    try {
      await round();
    } catch (err) {
      if (!(err instanceof KubeError && err.statusCode === 409)) o.log('warn', 'lease round failed', { error: (err as Error).message });
      if (now() - renewedAt >= duration * 1000) setLeader(false);
    }
  }

  function loop(): void {
    if (stopped) return;
    running = tick().finally(() => {
      running = undefined;
      if (!stopped) { timer = setTimeout(loop, period); timer.unref?.(); }
    });
  }

  return {
    start() { stopped = false; loop(); },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      if (!leader) return;
      try {
        const lease = await o.rest.request('GET', path);
        if (lease?.spec?.holderIdentity === o.identity) {
          await o.rest.request('PUT', path, { body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(now()) } } });
        }
      } catch (err) {
        o.log('warn', 'lease release failed', { error: (err as Error).message });
      }
      setLeader(false);
    },
    isLeader: () => leader && now() - renewedAt < duration * 1000,
    tick,
  };
}
