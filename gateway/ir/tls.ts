export interface CertificateIR {
  /** "namespace/name" of the Secret it came from. */
  secret: string;
  certPem: string;
  keyPem: string;
  /** DNS names from the certificate's SANs (and CN when there are none), for SNI selection. */
  dnsNames: string[];
}

export interface ClientValidationIR {
  caPem: string[];
  mode: 'AllowValidOnly' | 'AllowInsecureFallback';
}
