// Backends with their endpoints already resolved from EndpointSlices.

export interface EndpointIR {
  address: string;
  port: number;
  /** The Pod (targetRef) name when the slice names one: useful in logs and conformance. */
  pod?: string;
}

/** How the gateway speaks to the backend, from the Service port's appProtocol. */
export type BackendProtocol = 'http1' | 'h2c' | 'ws' | 'tls' | 'tcp' | 'udp';

export interface BackendTlsIR {
  /** SNI and the name to verify: BackendTLSPolicy validation.hostname. */
  hostname: string;
  caPem: string[];
  /** Use the system trust store (wellKnownCACertificates: System). */
  system: boolean;
  subjectAltNames: { type: 'Hostname' | 'URI'; value: string }[];
  /** The client certificate to present: the Gateway's spec.tls.backend.clientCertificateRef. */
  clientCertificate?: { secret: string; certPem: string; keyPem: string };
}

export interface BackendIR {
  /** "Service:namespace/name:port" — stable, used for metrics and session affinity. */
  id: string;
  kind: string;
  namespace: string;
  name: string;
  port: number;
  weight: number;
  protocol: BackendProtocol;
  endpoints: EndpointIR[];
  tls?: BackendTlsIR;
  /**
   * Set when the reference is invalid (not found, not permitted, bad kind): traffic that would
   * go to this backend is answered with this status (500 per spec) instead of forwarded.
   */
  invalid?: { status: number; reason: string };
}
