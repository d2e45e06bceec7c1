// SecureContexts for HTTPS listeners, built once per distinct (cert, key, client CA) and reused
// across applies, so a reload with 1,000 unchanged certificates parses none of them again.
import { createHash } from 'node:crypto';
import tls from 'node:tls';
import type { CertificateIR, ListenerIR } from '../../ir/index.ts';

export class SecureContextCache {
  private live = new Map<string, tls.SecureContext>();
  private next = new Map<string, tls.SecureContext>();

  /** Context for a certificate served by `listener` (its client-validation CAs included). */
  get(cert: CertificateIR, listener: ListenerIR): tls.SecureContext {
    const caPem = listener.tls?.clientValidation?.caPem ?? [];
    const key = createHash('sha256').update(cert.certPem).update('\0').update(cert.keyPem).update('\0').update(caPem.join('\n')).digest('hex');
    let ctx = this.next.get(key) ?? this.live.get(key);
    if (ctx === undefined) {
      ctx = tls.createSecureContext({ cert: cert.certPem, key: cert.keyPem, ...(caPem.length ? { ca: caPem } : {}) });
    }
    this.next.set(key, ctx);
    return ctx;
  }

  /** Call after compiling a table: contexts no longer used are dropped. */
  commit(): void {
    this.live = this.next;
    this.next = new Map();
  }
}

/** Options for tls.Server#setSecureContext / createServer for a listener's first certificate. */
export function contextOptions(cert: CertificateIR, listener: ListenerIR): tls.SecureContextOptions {
  const caPem = listener.tls?.clientValidation?.caPem ?? [];
  return { cert: cert.certPem, key: cert.keyPem, ...(caPem.length ? { ca: caPem } : {}) };
}
