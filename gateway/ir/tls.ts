export interface CertificateIR {
  /** "namespace/name" of the Secret it came from. */
  secret: string;
  certPem: string;
  keyPem: string;
  /** DNS names for SNI selection. May be empty: the data plane then reads them from the SANs. */
  dnsNames: string[];
  /** End of the certificate's validity (RFC 3339), when the input stage inspected it (metrics). */
  notAfter?: string;
}

export interface ClientValidationIR {
  caPem: string[];
  mode: 'AllowValidOnly' | 'AllowInsecureFallback';
}
