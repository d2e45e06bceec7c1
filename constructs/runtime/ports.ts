// Service and container ports derived from listeners: one Service port per (port, transport),
// mapped to an unprivileged container port (listener port + portOffset) so the pod never binds
// below 1024 and needs no capability.

/** A listener as the runtime needs it: where it comes from, its port and protocol. */
export interface ListenerPort {
  /** "Gateway ns/name listener http" or "ListenerSet ns/name listener x", for messages. */
  readonly source: string;
  readonly port: number;
  readonly protocol: string;
}

export interface ServicePortSpec {
  readonly name: string;
  readonly port: number;
  readonly targetPort: number;
  readonly protocol: 'TCP' | 'UDP';
}

/** The lowest container port the gateway may bind (no CAP_NET_BIND_SERVICE in the pod). */
export const FIRST_UNPRIVILEGED_PORT = 1024;

export function transportOf(protocol: string): 'TCP' | 'UDP' {
  return protocol === 'UDP' ? 'UDP' : 'TCP';
}

/**
 * Sorted, de-duplicated ports (listeners of several Gateways or ListenerSets on one port share
 * it; whether they may is the gateway's call, reported in their status). Throws when a listener
 * would need a privileged or out-of-range container port, or would land on a reserved port.
 */
export function servicePorts(listeners: readonly ListenerPort[], portOffset: number, reserved: readonly number[]): ServicePortSpec[] {
  const byKey = new Map<string, ServicePortSpec>();
  for (const l of listeners) {
    const target = l.port + portOffset;
    if (target < FIRST_UNPRIVILEGED_PORT || target > 65535) {
      throw new Error(`${l.source} port ${l.port} maps to container port ${target} with portOffset ${portOffset}; ` +
        `choose a portOffset that puts every listener port in ${FIRST_UNPRIVILEGED_PORT}..65535 (the pod binds no privileged port)`);
    }
    if (reserved.includes(target)) {
      throw new Error(`${l.source} port ${l.port} maps to container port ${target}, which the gateway uses for probes and metrics; choose another portOffset`);
    }
    const protocol = transportOf(l.protocol);
    const key = `${protocol}/${l.port}`;
    if (!byKey.has(key)) byKey.set(key, { name: `${protocol.toLowerCase()}-${l.port}`, port: l.port, targetPort: target, protocol });
  }
  return [...byKey.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}
