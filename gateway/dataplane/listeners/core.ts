// The data plane with its collaborators injected: compiles a table into per-port states, swaps
// them in, diffs the sockets, and retires the old table's filter resources after a grace period.
import type { RoutingTable } from '../../ir/index.ts';
import type { ApplyResult, Dataplane, DataplaneOptions, ListenerFault } from '../api.ts';
import type { ChainDeps } from '../http/chain.ts';
import { SecureContextCache } from '../tls/contexts.ts';
import { BucketCache, compilePort, listenerFault } from './compile.ts';
import { compileTcpPort, compileTlsPort, compileUdpPort, isTlsMuxPort } from './compile-l4.ts';
import { DEFAULT_CLIENT_LIMITS, resolveClientLimits } from '../limits.ts';
import { ListenerManager, type CompiledSocket, type WantedSocket } from './manager.ts';

export interface CoreDeps extends ChainDeps {
  upstreams: ChainDeps['upstreams'] & { retain(table: RoutingTable): void; close(): Promise<void> };
}

/** How long a replaced table's filter resources (auth clients, mirrors) stay open for in-flight requests. */
const RETIRE_AFTER_MS = 60_000;

/** `--drain-timeout` (30 s), the same value a pod's terminationGracePeriodSeconds gets. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

export function createDataplaneCore(opts: DataplaneOptions, deps: CoreDeps): Dataplane {
  const drainTimeoutMs = opts.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  const limits = resolveClientLimits(DEFAULT_CLIENT_LIMITS, opts.clientLimits);
  const manager = new ListenerManager(opts.portOffset ?? 0, opts.observer, drainTimeoutMs, opts.reusePort ?? false);
  const contexts = new SecureContextCache();
  // Host buckets whose IR object is unchanged are not compiled again (compile.ts).
  const buckets = new BucketCache();
  let table: RoutingTable | undefined;
  let closers: (() => void)[] = [];
  const retiring = new Set<NodeJS.Timeout>();
  let queue: Promise<unknown> = Promise.resolve();

  const runClosers = (list: (() => void)[]) => {
    for (const c of list) {
      try {
        c();
      } catch {
        // a filter failing to close must not stop the others
      }
    }
  };

  async function doApply(next: RoutingTable): Promise<ApplyResult> {
    const started = performance.now();
    const newClosers: (() => void)[] = [];
    const wanted: WantedSocket[] = [];
    const faults: ListenerFault[] = [];
    for (const gw of next.gateways) {
      for (const p of gw.ports) {
        // Each listener is compiled on its own (compile.ts); this catches what fails for the
        // port as a whole, so one port's failure is that port's listeners' problem only.
        let compiled: CompiledSocket | undefined;
        try {
          if (p.transport === 'udp') compiled = compileUdpPort(gw, p);
          else if (isTlsMuxPort(p)) compiled = compileTlsPort(gw, p, compilePort(gw, p, deps, contexts, newClosers, faults, limits, buckets), contexts, faults);
          else compiled = compilePort(gw, p, deps, contexts, newClosers, faults, limits, buckets) ?? compileTcpPort(gw, p);
        } catch (err) {
          for (const l of p.listeners) if (!faults.some((f) => f.listener === l.id)) faults.push(listenerFault(gw, p.port, l, err));
          continue;
        }
        if (compiled === undefined) continue;
        for (const address of gw.addresses) wanted.push({ gateway: gw.key, address, port: p.port, compiled });
      }
    }
    contexts.commit();
    buckets.commit();
    const result = await manager.apply(wanted);
    result.listenerErrors = faults;
    for (const f of faults) opts.observer?.onEvent?.('error', 'listener not loaded; the other listeners keep serving', { ...f });
    table = next;
    deps.upstreams.retain(next);
    // Resources of reused buckets carry on into the new table: only the others retire.
    const kept = new Set(newClosers);
    const old = closers.filter((c) => !kept.has(c));
    closers = newClosers;
    if (old.length > 0) {
      const t = setTimeout(() => {
        retiring.delete(t);
        runClosers(old);
      }, RETIRE_AFTER_MS);
      t.unref();
      retiring.add(t);
    }
    opts.observer?.onEvent?.('info', 'table applied', { ms: Math.round(performance.now() - started), sockets: result.listening.length, errors: result.errors.length });
    return result;
  }

  return {
    apply(next) {
      // Applies are serialized: two overlapping reloads must not race on the same ports.
      const p = queue.then(() => doApply(next));
      queue = p.catch(() => undefined);
      return p;
    },
    current: () => table,
    drain: () => manager.startDrain(),
    async close(drainMs = drainTimeoutMs) {
      await queue;
      await manager.close(drainMs);
      for (const t of retiring) clearTimeout(t);
      retiring.clear();
      runClosers(closers);
      closers = [];
      await deps.upstreams.close();
    },
  };
}
