// The routing table: the contract between the translator and the data plane. Plain,
// JSON-serializable data; everything the data plane needs is resolved here (endpoints,
// certificates, sorted rules), so a request never consults the resource model.
import type { HttpHostIR } from './http.ts';
import type { TlsPassthroughHostIR, L4RouteIR } from './l4.ts';
import type { CertificateIR, ClientValidationIR } from './tls.ts';
import type { ClientLimitsIR } from './limits.ts';

export interface RoutingTable {
  gateways: GatewayIR[];
}

export interface GatewayIR {
  /** "namespace/name" of the Gateway. */
  key: string;
  namespace: string;
  name: string;
  /**
   * IP addresses requested in spec.addresses (type IPAddress). Empty: the runtime assigns one
   * (a load balancer in a cluster, the next address of --address-pool locally).
   */
  addresses: string[];
  /**
   * spec.infrastructure: the labels and annotations for the resources that serve this Gateway
   * (the runtime construct applies them) and the data of its parametersRef ConfigMap. Absent
   * when the Gateway sets none of them.
   */
  infrastructure?: InfrastructureIR;
  /** One entry per distinct listener port with at least one programmed listener, by port. */
  ports: PortIR[];
}

export interface InfrastructureIR {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The parametersRef ConfigMap's data, when it resolved. */
  parameters?: Record<string, string>;
}

export type Transport = 'tcp' | 'udp';

export interface PortIR {
  port: number;
  transport: Transport;
  /**
   * Programmed listeners on this port, most specific hostname first (exact, then wildcards by
   * length, then no hostname), so the first listener whose hostname matches a Host/SNI is the
   * one that owns it (listener isolation).
   */
  listeners: ListenerIR[];
}

export type ListenerProtocol = 'HTTP' | 'HTTPS' | 'TLS' | 'TCP' | 'UDP';

export interface ListenerSourceIR {
  kind: 'Gateway' | 'ListenerSet';
  namespace: string;
  name: string;
  sectionName: string;
}

export interface ListenerIR {
  /** Unique within the table: "<gateway ns>/<gateway name>/<listener set ns/name/>?<section>". */
  id: string;
  source: ListenerSourceIR;
  protocol: ListenerProtocol;
  /** The listener hostname (exact or "*.suffix"); undefined matches any host. */
  hostname?: string;
  /** HTTPS and TLS (mode Terminate) listeners. */
  tls?: ListenerTlsIR;
  /** HTTP and HTTPS listeners: host buckets, most specific first. */
  http?: HttpHostIR[];
  /** TLS listeners with mode Passthrough: SNI buckets, most specific first. */
  passthrough?: TlsPassthroughHostIR[];
  /** TCP, UDP and TLS-Terminate listeners: the routes in precedence order (oldest first). */
  l4?: L4RouteIR[];
  /** HTTP and HTTPS listeners: overrides of the gateway's client limits (absent: its defaults). */
  limits?: ClientLimitsIR;
}

export interface ListenerTlsIR {
  mode: 'Terminate' | 'Passthrough';
  certificates: CertificateIR[];
  clientValidation?: ClientValidationIR;
}
