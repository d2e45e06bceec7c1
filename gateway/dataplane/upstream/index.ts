// Upstream side of the data plane: rule terminal handlers, connection pools per endpoint,
// balancing. The server compiles each rule's chain and ends it with compileRule().
import type { BackendIR, FilterIR, HttpRuleIR, RoutingTable, UpstreamResilienceIR } from '../../ir/index.ts';
import type { Handler } from '../http/exchange.ts';
import type { DataplaneObserver } from '../observer.ts';
import { setSessionKey } from '../http/session-persistence.ts';
import { pickEndpoint, retainCursors } from './balancer.ts';
import { PoolRegistry, transportKey } from './pools.ts';
import type { PoolLimits } from './pools.ts';
import { compileRuleHandler } from './rule.ts';
import type { RuleHooks } from './rule.ts';
import { HealthChecks } from './health-checks.ts';
import { ResilienceRegistry } from './resilience.ts';
import { trafficOf } from '../traffic/of.ts';

export { pickEndpoint, createWeightedPicker } from './balancer.ts';
export type { RuleHooks } from './rule.ts';
export type { PoolLimits } from './pools.ts';

export interface UpstreamsOptions {
  observer?: DataplaneObserver;
  /** Connection pool timeouts (defaults in upstream/pools.ts). */
  limits?: PoolLimits;
  /** HMAC key for session-persistence values; share it between workers. Default: random per process. */
  sessionKey?: Buffer;
  /** Outlier detection and per-backend queue defaults (flags); absent fields keep upstream/outlier.ts and queue.ts defaults. */
  resilience?: UpstreamResilienceIR;
}

export interface Upstreams {
  compileRule(rule: HttpRuleIR, hooks: RuleHooks): Handler;
  /** Closes the pools of endpoints no longer in the table; kept endpoints keep their connections. */
  retain(table: RoutingTable): void;
  close(): Promise<void>;
  /** Number of open endpoint pools (for tests and the admin endpoint). */
  readonly poolCount: number;
}

// Mirror and ext-auth backends rotate through pickEndpoint too: keep their cursors.
function filterBackendIds(filters: readonly FilterIR[], ids: Set<string>): void {
  for (const f of filters) {
    if (f.type === 'RequestMirror') ids.add(f.mirror.backend.id);
    else if (f.type === 'ExternalAuth') ids.add(f.auth.backend.id);
  }
}

export function createUpstreams(opts: UpstreamsOptions = {}): Upstreams {
  const pools = new PoolRegistry(opts.limits);
  const health = new HealthChecks((e) => opts.observer?.onEvent?.(e.healthy ? 'info' : 'warn', e.healthy ? 'endpoint healthy again' : 'endpoint failed its health checks', { ...e }));
  const observer = opts.observer;
  const resilience = new ResilienceRegistry(opts.resilience, (e) => {
    observer?.onEjection?.(e.backend, e.endpoint);
    observer?.onEvent?.('warn', 'endpoint ejected', { ...e });
  });
  if (opts.sessionKey !== undefined) setSessionKey(opts.sessionKey);
  return {
    compileRule: (rule, hooks) => compileRuleHandler(rule, hooks, pools, resilience, opts.observer, health),
    retain(table) {
      const keep = new Set<string>();
      const ids = new Set<string>();
      const served: BackendIR[] = [];
      for (const gw of table.gateways) {
        for (const port of gw.ports) {
          for (const listener of port.listeners) {
            for (const host of listener.http ?? []) {
              for (const rule of host.rules) {
                const maxConnections = trafficOf(rule)?.circuitBreaker?.maxConnections;
                for (const b of rule.backends) {
                  ids.add(b.id);
                  served.push(b);
                  const t = transportKey(b, maxConnections);
                  for (const ep of b.endpoints) keep.add(PoolRegistry.key(t, ep));
                  filterBackendIds(b.filters, ids);
                }
                filterBackendIds(rule.filters, ids);
              }
            }
            for (const r of listener.l4 ?? []) for (const b of r.backends) ids.add(b.id);
            for (const h of listener.passthrough ?? []) for (const r of h.routes) for (const b of r.backends) ids.add(b.id);
          }
        }
      }
      pools.retain(keep);
      health.retain(table);
      resilience.retain(served);
      retainCursors(ids);
    },
    close: () => {
      health.close();
      return pools.close();
    },
    get poolCount() {
      return pools.size;
    },
  };
}
