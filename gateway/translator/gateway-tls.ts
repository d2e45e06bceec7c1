// Gateway.spec.tls at the Gateway level (not per listener): the backend client certificate the
// Gateway presents to TLS backends (spec.tls.backend.clientCertificateRef, reported in the
// Gateway's ResolvedRefs condition) and whether frontend client-certificate validation runs in
// the insecure fallback mode (the InsecureFrontendValidationMode condition). Per-listener
// frontend validation (the CA bundles) is resolved in listeners.ts.
import type { CertificateIR } from '../ir/index.ts';
import { pkiKey } from '../model/index.ts';
import type { ConditionInput } from './conditions.ts';
import { Reason } from './conditions.ts';
import type { Context } from './context.ts';
import { GATEWAY_GROUP, noteReference, referenceAllowed } from './context.ts';
import { decodePemData, looksLikeCertificate, looksLikePrivateKey } from './pem.ts';
import type { GatewayState } from './state.ts';

const FIELD = 'spec.tls.backend.clientCertificateRef';

const bad = (reason: string, message: string): ConditionInput => ({ type: 'ResolvedRefs', status: false, reason, message });

/** Sets gw.resolvedRefs / gw.backendClientCertificate / gw.insecureFrontend from spec.tls. */
export function resolveGatewayTls(ctx: Context, gw: GatewayState): void {
  const tls = gw.obj.spec?.tls;
  const frontend = tls?.frontend;
  const modes = [frontend?.default?.validation?.mode, ...(frontend?.perPort ?? []).map((p) => p.tls?.validation?.mode)];
  if (modes.includes('AllowInsecureFallback')) {
    gw.insecureFrontend = {
      type: 'InsecureFrontendValidationMode', status: true, reason: 'ConfigurationChanged',
      message: 'frontend client certificate validation accepts clients without a valid certificate (mode AllowInsecureFallback)',
    };
  }
  const ref = tls?.backend?.clientCertificateRef;
  if (!tls?.backend) return;
  if (!ref) {
    gw.resolvedRefs = { type: 'ResolvedRefs', status: true, reason: Reason.ResolvedRefs, message: 'All references are resolved' };
    return;
  }
  const group = ref.group ?? '';
  const kind = ref.kind ?? 'Secret';
  const ns = ref.namespace ?? gw.namespace;
  const name = `${ns}/${ref.name}`;
  const from = { group: GATEWAY_GROUP, kind: 'Gateway', namespace: gw.namespace };
  const problem = ((): ConditionInput | undefined => {
    if (group !== '' || kind !== 'Secret') {
      return bad(Reason.InvalidClientCertificateRef, `${FIELD}: ${group ? group + '/' : ''}${kind} ${name} is not supported; reference a core Secret of type kubernetes.io/tls`);
    }
    if (!referenceAllowed(ctx, from, { group: '', kind: 'Secret', namespace: ns, name: ref.name })) {
      return bad(Reason.RefNotPermitted, `${FIELD}: Secret ${name} is in another namespace and no ReferenceGrant in ${ns} allows it`);
    }
    const secret = ctx.secrets.get(name);
    if (!secret) return bad(Reason.InvalidClientCertificateRef, `${FIELD}: Secret ${name} does not exist`);
    const certPem = decodePemData(secret, 'tls.crt');
    const keyPem = decodePemData(secret, 'tls.key');
    if (!certPem || !keyPem || !looksLikeCertificate(certPem) || !looksLikePrivateKey(keyPem)) {
      return bad(Reason.InvalidClientCertificateRef, `${FIELD}: Secret ${name} does not hold a PEM certificate and key in tls.crt and tls.key`);
    }
    const pair = ctx.snapshot.pki?.[pkiKey('Secret', ns, ref.name)]?.keyPair;
    if (pair?.error) return bad(Reason.InvalidClientCertificateRef, `${FIELD}: Secret ${name}: ${pair.error}`);
    const cert: CertificateIR = { secret: name, certPem, keyPem, dnsNames: [] };
    gw.backendClientCertificate = cert;
    return undefined;
  })();
  noteReference(ctx, { ...from, name: gw.name }, FIELD, { group, kind, namespace: ns, name: ref.name }, problem);
  gw.resolvedRefs = problem ?? { type: 'ResolvedRefs', status: true, reason: Reason.ResolvedRefs, message: 'All references are resolved' };
}
