// Active health checks per backend: every endpoint is probed every intervalMs; unhealthyThreshold
// failures in a row take it out of balancing, healthyThreshold passes bring it back. A new
// endpoint starts healthy (a gateway that just started serves at once). Checks belong to
// this process: each data-plane process probes on its own (see docs/architecture.md).
import type { ActiveHealthCheckIR, BackendIR, EndpointIR, RoutingTable } from '../../ir/index.ts';
import { createProbe, type Probe } from './health-probes.ts';
import { trafficOf } from '../traffic/of.ts';
import { transportKey } from './pools.ts';

interface EndpointState {
  ep: EndpointIR;
  healthy: boolean;
  passes: number;
  fails: number;
  probe: Probe & { close?(): void };
  running: boolean;
}

export interface HealthEvent {
  backend: string;
  endpoint: string;
  healthy: boolean;
}

class BackendChecker {
  private readonly states = new Map<string, EndpointState>();
  private timer: NodeJS.Timeout | undefined;
  private healthyList: EndpointIR[] = [];
  private backend: BackendIR;

  constructor(backend: BackendIR, readonly hc: ActiveHealthCheckIR, private readonly onChange?: (e: HealthEvent) => void) {
    this.backend = backend;
    this.setEndpoints(backend);
    this.timer = setInterval(() => this.tick(), hc.intervalMs);
    this.timer.unref();
    this.tick();
  }

  setEndpoints(backend: BackendIR): void {
    this.backend = backend;
    const keep = new Set<string>();
    for (const ep of backend.endpoints) {
      const k = `${ep.address}:${ep.port}`;
      keep.add(k);
      if (!this.states.has(k)) {
        this.states.set(k, { ep, healthy: true, passes: 0, fails: 0, probe: createProbe(this.hc, backend, ep), running: false });
      }
    }
    for (const [k, s] of this.states) {
      if (keep.has(k)) continue;
      s.probe.close?.();
      this.states.delete(k);
    }
    this.refresh();
  }

  /** The endpoints in balancing: the backend's order, unhealthy ones left out. */
  healthy(): readonly EndpointIR[] {
    return this.healthyList;
  }

  private refresh(): void {
    this.healthyList = this.backend.endpoints.filter((ep) => this.states.get(`${ep.address}:${ep.port}`)?.healthy !== false);
  }

  private tick(): void {
    for (const [k, s] of this.states) {
      if (s.running) continue; // a slow probe is not stacked with the next one
      s.running = true;
      void s.probe().then((ok) => {
        s.running = false;
        if (this.states.get(k) !== s) return;
        if (ok) {
          s.fails = 0;
          s.passes++;
          if (!s.healthy && s.passes >= this.hc.healthyThreshold) this.flip(k, s, true);
        } else {
          s.passes = 0;
          s.fails++;
          if (s.healthy && s.fails >= this.hc.unhealthyThreshold) this.flip(k, s, false);
        }
      });
    }
  }

  private flip(k: string, s: EndpointState, healthy: boolean): void {
    s.healthy = healthy;
    this.refresh();
    this.onChange?.({ backend: this.backend.id, endpoint: k, healthy });
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    for (const s of this.states.values()) s.probe.close?.();
    this.states.clear();
  }
}

// The backend's transport (TLS settings included) is part of the key: a changed
// BackendTLSPolicy (another CA, hostname or client certificate) restarts the checks with it.
function keyOf(b: BackendIR, hc: ActiveHealthCheckIR): string {
  return `${b.id}\u0000${transportKey(b)}\u0000${JSON.stringify(hc)}`;
}

export class HealthChecks {
  private readonly checkers = new Map<string, BackendChecker>();

  constructor(private readonly onChange?: (e: HealthEvent) => void) {}

  /** The healthy endpoints of a backend with active checks (started on first use), as a live view. */
  view(b: BackendIR, hc: ActiveHealthCheckIR): () => readonly EndpointIR[] {
    const k = keyOf(b, hc);
    let c = this.checkers.get(k);
    if (c === undefined) this.checkers.set(k, (c = new BackendChecker(b, hc, this.onChange)));
    else c.setEndpoints(b);
    const checker = c;
    return () => checker.healthy();
  }

  /** Stops the checks of backends no longer in the table (or whose check changed). */
  retain(table: RoutingTable): void {
    const keep = new Set<string>();
    for (const gw of table.gateways) for (const p of gw.ports) for (const l of p.listeners) for (const h of l.http ?? []) {
      for (const r of h.rules) {
        const hc = trafficOf(r)?.healthCheck?.active;
        if (hc !== undefined) for (const b of r.backends) keep.add(keyOf(b, hc));
      }
    }
    for (const [k, c] of this.checkers) {
      if (keep.has(k)) continue;
      c.stop();
      this.checkers.delete(k);
    }
  }

  close(): void {
    for (const c of this.checkers.values()) c.stop();
    this.checkers.clear();
  }
}
