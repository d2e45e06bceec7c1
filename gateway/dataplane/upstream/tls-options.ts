// The TLS client settings a BackendTLSPolicy asks for, in one place: the SNI and the name to
// verify (validation.hostname, or the subjectAltNames), the trusted CAs (the policy's bundle, the
// system store, or both), and the Gateway's client certificate. Proxied requests (pools.ts) and
// active health checks (health-probes.ts) both connect with these, so a probe never trusts a
// certificate that traffic would refuse. Verification is never turned off.
import { checkServerIdentity, rootCertificates } from 'node:tls';
import type { PeerCertificate } from 'node:tls';
import type { BackendTlsIR } from '../../ir/index.ts';

export interface UpstreamTlsOptions {
  servername: string;
  rejectUnauthorized: true;
  /** Absent: node's default trust store. */
  ca?: string[];
  checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined;
  cert?: string;
  key?: string;
}

function verifyIdentity(tls: BackendTlsIR) {
  return (host: string, cert: PeerCertificate): Error | undefined => {
    if (tls.subjectAltNames.length === 0) return checkServerIdentity(tls.hostname, cert);
    const sans = (cert.subjectaltname ?? '').split(',').map((s) => s.trim());
    for (const want of tls.subjectAltNames) {
      const prefix = want.type === 'URI' ? 'URI:' : 'DNS:';
      if (want.type === 'Hostname') {
        if (checkServerIdentity(want.value, { ...cert, subjectaltname: sans.filter((s) => s.startsWith('DNS:')).join(', ') }) === undefined) return undefined;
      } else if (sans.includes(prefix + want.value)) {
        return undefined;
      }
    }
    return Object.assign(new Error(`backend certificate of ${host} matches none of the subjectAltNames`), {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  };
}

/** node:tls connect options for a backend reached over TLS (BackendTLSPolicy). */
export function upstreamTlsOptions(tls: BackendTlsIR): UpstreamTlsOptions {
  return {
    servername: tls.hostname,
    rejectUnauthorized: true,
    ...(tls.caPem.length > 0 ? { ca: tls.system ? [...rootCertificates, ...tls.caPem] : tls.caPem } : {}),
    checkServerIdentity: verifyIdentity(tls),
    // The Gateway's spec.tls.backend.clientCertificateRef, for backends that require mTLS.
    ...(tls.clientCertificate ? { cert: tls.clientCertificate.certPem, key: tls.clientCertificate.keyPem } : {}),
  };
}
