// Frontend client-certificate validation per listener. The handshake verifies the peer against
// the CAs of the SNI-selected context (node uses that context's store); the server never rejects
// at the TLS layer because listeners on one port differ, so the verdict is applied here.
import type tls from 'node:tls';
import type { ListenerIR } from '../../ir/index.ts';

export function checkClientCertificate(socket: tls.TLSSocket, listener: ListenerIR): boolean {
  const v = listener.tls?.clientValidation;
  if (v === undefined || v.mode === 'AllowInsecureFallback') return true;
  return socket.authorized;
}
