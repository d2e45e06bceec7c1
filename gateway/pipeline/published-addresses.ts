// In a cluster the address clients use is not the one the process binds (0.0.0.0 in a pod) but
// the one of the Service in front of it (--publish-service), the way ingress-nginx and Envoy
// Gateway report it: spec.addresses when the Gateway asks for some (the Service is then given
// them), else the load balancer's ingress, else (ClusterIP, NodePort) the cluster IPs.
import type { Gateway, Service } from '../model/index.ts';

export interface GatewayStatusAddress {
  type: 'IPAddress' | 'Hostname' | string;
  value: string;
}

export interface PublishedAddresses {
  addresses: GatewayStatusAddress[];
  /** Set while no address is known yet (the load balancer is still being provisioned, or no Service). */
  pending?: string;
}

const isIp = (v: string) => /^[\d.]+$/.test(v) || v.includes(':');

export function publishedAddresses(gateway: Gateway | undefined, service: Service | undefined, serviceRef: string): PublishedAddresses {
  const requested = (gateway?.spec?.addresses ?? [])
    .filter((a): a is { type?: string; value: string } => typeof a.value === 'string' && a.value !== '')
    .map((a) => ({ type: a.type ?? 'IPAddress', value: a.value }));
  if (requested.length > 0) return { addresses: requested };
  if (!service) return { addresses: [], pending: `Service ${serviceRef} does not exist (yet)` };
  const type = service.spec?.type ?? 'ClusterIP';
  if (type === 'LoadBalancer') {
    const ingress = service.status?.loadBalancer?.ingress ?? [];
    const addresses = ingress.flatMap((i) => i.ip ? [{ type: 'IPAddress', value: i.ip }] : i.hostname ? [{ type: 'Hostname', value: i.hostname }] : []);
    return addresses.length > 0 ? { addresses } : { addresses: [], pending: `the load balancer of Service ${serviceRef} has no address yet` };
  }
  const ips = (service.spec?.clusterIPs ?? (service.spec?.clusterIP ? [service.spec.clusterIP] : [])).filter((ip) => ip !== 'None' && isIp(ip));
  return ips.length > 0 ? { addresses: ips.map((value) => ({ type: 'IPAddress', value })) } : { addresses: [], pending: `Service ${serviceRef} has no cluster IP yet` };
}
