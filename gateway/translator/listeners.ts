// One listener on its own: protocol, TLS settings and their references, allowed route kinds.
// Conflicts between listeners are judged afterwards (listener-conflicts.ts).
import type { CertificateIR, ClientValidationIR, ListenerProtocol } from '../ir/index.ts';
import type { FrontendTLSValidation, KeyPairVerdict, Listener, RouteGroupKind, SecretObjectReference } from '../model/index.ts';
import { pkiKey } from '../model/index.ts';
import type { ConditionInput } from './conditions.ts';
import { Reason } from './conditions.ts';
import type { Context } from './context.ts';
import { GATEWAY_GROUP, noteReference, referenceAllowed } from './context.ts';
import { supports } from './features.ts';
import { decodePemData, looksLikeCertificate, looksLikePrivateKey } from './pem.ts';
import type { GatewayState, ListenerSetState, ListenerState } from './state.ts';

const PROTOCOLS: ReadonlySet<string> = new Set(['HTTP', 'HTTPS', 'TLS', 'TCP', 'UDP']);

/** Route kinds each protocol can carry, in the order supportedKinds lists them. */
const KINDS_BY_PROTOCOL: Record<string, string[]> = {
  HTTP: ['HTTPRoute', 'GRPCRoute'],
  HTTPS: ['HTTPRoute', 'GRPCRoute'],
  TLS: ['TLSRoute'],
  TCP: ['TCPRoute'],
  UDP: ['UDPRoute'],
};

const ok = (type: string, reason: string, message: string): ConditionInput => ({ type, status: true, reason, message });
const bad = (type: string, reason: string, message: string): ConditionInput => ({ type, status: false, reason, message });

export function listenerId(gw: GatewayState, ls: ListenerSetState | undefined, name: string): string {
  return ls ? `${gw.key}/${ls.obj.metadata.namespace}/${ls.obj.metadata.name}/${name}` : `${gw.key}/${name}`;
}

export function buildListener(
  ctx: Context, gw: GatewayState, ls: ListenerSetState | undefined, spec: Listener, field: string,
): ListenerState {
  const owner = ls?.obj ?? gw.obj;
  const namespace = owner.metadata.namespace ?? 'default';
  const protocol = spec.protocol;
  const state: ListenerState = {
    gateway: gw, listenerSet: ls, spec, field, namespace, attachedRoutes: 0,
    supportedKinds: [],
    accepted: ok('Accepted', Reason.Accepted, 'Listener is valid'),
    resolvedRefs: ok('ResolvedRefs', Reason.ResolvedRefs, 'All references are resolved'),
    ir: {
      id: listenerId(gw, ls, spec.name),
      source: ls
        ? { kind: 'ListenerSet', namespace, name: ls.obj.metadata.name, sectionName: spec.name }
        : { kind: 'Gateway', namespace, name: gw.name, sectionName: spec.name },
      protocol: protocol as ListenerProtocol,
      hostname: hostnameFor(spec),
    },
  };

  if (!PROTOCOLS.has(protocol)) {
    state.accepted = bad('Accepted', Reason.UnsupportedProtocol, `protocol "${protocol}" is not supported; use HTTP, HTTPS, TLS, TCP or UDP`);
    return state;
  }

  resolveKinds(state, spec.allowedRoutes?.kinds, protocol);
  resolveTls(ctx, state, gw, spec, namespace);
  return state;
}

function hostnameFor(spec: Listener): string | undefined {
  // Hostnames only distinguish HTTP, HTTPS and TLS listeners; the CRD forbids them elsewhere.
  if (!spec.hostname || (spec.protocol !== 'HTTP' && spec.protocol !== 'HTTPS' && spec.protocol !== 'TLS')) return undefined;
  return spec.hostname.toLowerCase();
}

function resolveKinds(state: ListenerState, kinds: RouteGroupKind[] | undefined, protocol: string): void {
  const allowed = KINDS_BY_PROTOCOL[protocol] ?? [];
  if (!kinds || kinds.length === 0) {
    state.supportedKinds = allowed.map((kind) => ({ group: GATEWAY_GROUP, kind }));
    return;
  }
  const invalid: string[] = [];
  const seen = new Set<string>();
  for (const k of kinds) {
    const group = k.group ?? GATEWAY_GROUP;
    if (group === GATEWAY_GROUP && allowed.includes(k.kind)) {
      if (!seen.has(k.kind)) state.supportedKinds.push({ group, kind: k.kind });
      seen.add(k.kind);
    } else invalid.push(group ? `${group}/${k.kind}` : k.kind);
  }
  if (invalid.length > 0) {
    state.resolvedRefs = bad('ResolvedRefs', Reason.InvalidRouteKinds,
      `route kinds ${invalid.join(', ')} are not supported on a ${protocol} listener; supported: ${allowed.join(', ')}`);
  }
}

function resolveTls(ctx: Context, state: ListenerState, gw: GatewayState, spec: Listener, namespace: string): void {
  const protocol = spec.protocol;
  if (protocol !== 'HTTPS' && protocol !== 'TLS') return;
  const mode = spec.tls?.mode ?? 'Terminate';
  if (protocol === 'HTTPS' && mode !== 'Terminate') {
    state.accepted = bad('Accepted', Reason.UnsupportedValue, `HTTPS listeners terminate TLS; tls.mode "${mode}" is not allowed (use protocol TLS for passthrough)`);
    return;
  }
  if (protocol === 'TLS' && mode === 'Terminate' && !supports('TLSRouteModeTerminate')) {
    state.accepted = bad('Accepted', Reason.UnsupportedValue, 'TLS listeners with tls.mode Terminate are not supported; use mode Passthrough or protocol HTTPS');
    state.supportedKinds = [];
    return;
  }
  if (mode === 'Passthrough') {
    state.ir.tls = { mode: 'Passthrough', certificates: [] };
    return;
  }
  const certificates: CertificateIR[] = [];
  const refs = spec.tls?.certificateRefs ?? [];
  const from = { group: GATEWAY_GROUP, kind: state.listenerSet ? 'ListenerSet' : 'Gateway', namespace };
  let firstProblem: ConditionInput | undefined;
  const notes: string[] = [];
  refs.forEach((ref, i) => {
    const field = `${state.field}.tls.certificateRefs[${i}]`;
    const r = resolveCertificate(ctx, ref, from, field, spec.name);
    noteReference(ctx, { ...from, name: ownerName(state) }, field,
      { group: ref.group ?? '', kind: ref.kind ?? 'Secret', namespace: ref.namespace ?? namespace, name: ref.name }, 'problem' in r ? r.problem : undefined);
    if ('problem' in r) { firstProblem ??= r.problem; return; }
    certificates.push(r.cert);
    if (r.note) notes.push(r.note);
    if (r.rejected) { firstProblem ??= r.rejected; state.servingLastGood = true; }
  });
  if (refs.length === 0) firstProblem = bad('ResolvedRefs', Reason.InvalidCertificateRef, 'listener has no tls.certificateRefs; add a kubernetes.io/tls Secret');
  if (firstProblem) state.resolvedRefs = firstProblem;
  else if (notes.length > 0) state.resolvedRefs = ok('ResolvedRefs', Reason.ResolvedRefs, `All references are resolved; warning: ${notes.join('; ')}`);
  if (notes.length > 0) state.warnings = notes;
  state.ir.tls = { mode: 'Terminate', certificates };

  if (protocol === 'HTTPS') {
    const validation = frontendValidationFor(gw, spec.port);
    if (validation) resolveClientValidation(ctx, state, validation, namespace);
  }
}

interface ResolvedCertificate {
  cert: CertificateIR;
  /** Served, but outside its validity window: a warning, never a reason to stop serving. */
  note?: string;
  /** The newest version of the Secret is unusable; `cert` is its last good version. */
  rejected?: ConditionInput;
}

function resolveCertificate(
  ctx: Context, ref: SecretObjectReference, from: { group: string; kind: string; namespace: string }, field: string, listener: string,
): ResolvedCertificate | { problem: ConditionInput } {
  const group = ref.group ?? '';
  const kind = ref.kind ?? 'Secret';
  const ns = ref.namespace ?? from.namespace;
  const name = `${ns}/${ref.name}`;
  if (group !== '' || kind !== 'Secret') {
    return { problem: bad('ResolvedRefs', Reason.InvalidCertificateRef, `${field}: ${group ? group + '/' : ''}${kind} is not a supported certificate kind; reference a core Secret`) };
  }
  if (!referenceAllowed(ctx, from, { group: '', kind: 'Secret', namespace: ns, name: ref.name })) {
    return { problem: bad('ResolvedRefs', Reason.RefNotPermitted, `${field}: Secret ${name} is in another namespace and no ReferenceGrant in ${ns} allows it`) };
  }
  const secret = ctx.secrets.get(name);
  if (!secret) return { problem: bad('ResolvedRefs', Reason.InvalidCertificateRef, `${field}: Secret ${name} does not exist`) };
  const invalid = (what: string) => ({ problem: bad('ResolvedRefs', Reason.InvalidCertificateRef, `${field}: listener "${listener}": Secret ${name}${what}`) });
  // The API server defaults type to Opaque; a manifest without one is taken at its word.
  if (secret.type !== undefined && secret.type !== 'kubernetes.io/tls') {
    const r = invalid(` has type ${secret.type}; a listener certificate must be a Secret of type kubernetes.io/tls`);
    r.problem.fix = `recreate Secret ${name} with type kubernetes.io/tls (kubectl create secret tls)`;
    return r;
  }
  const certPem = decodePemData(secret, 'tls.crt');
  const keyPem = decodePemData(secret, 'tls.key');
  if (!certPem || !keyPem || !looksLikeCertificate(certPem) || !looksLikePrivateKey(keyPem)) {
    return invalid(' does not hold a PEM certificate and key in tls.crt and tls.key');
  }
  const verdict = ctx.snapshot.pki?.[pkiKey('Secret', ns, ref.name)];
  const pair = verdict?.keyPair;
  if (pair?.error) {
    const r = invalid(`: ${pair.error}`);
    r.problem.fix = /mismatch|does not belong/.test(pair.error)
      ? `put the private key that belongs to the certificate into tls.key of Secret ${name} (or reissue the certificate for that key); the other listeners keep serving`
      : `store a PEM certificate chain in tls.crt and its unencrypted PEM private key in tls.key of Secret ${name}`;
    return r;
  }
  const cert: CertificateIR = { secret: name, certPem, keyPem, dnsNames: [] };
  if (pair?.notAfter) cert.notAfter = pair.notAfter;
  const out: ResolvedCertificate = { cert };
  const note = validityNote(pair, ctx.now);
  if (note) out.note = `Secret ${name}: ${note}`;
  if (verdict?.rejected) {
    out.rejected = bad('ResolvedRefs', Reason.InvalidCertificateRef,
      `${field}: listener "${listener}": the newest version of Secret ${name} is unusable (${verdict.rejected}); its last good version keeps serving`);
  }
  return out;
}

/** "expired at ..." / "not valid before ..." when `now` is outside the certificate's window. */
function validityNote(pair: KeyPairVerdict | undefined, now: string): string | undefined {
  if (!pair?.notAfter || !pair.notBefore) return undefined;
  const t = Date.parse(now);
  if (Number.isNaN(t)) return undefined;
  if (t > Date.parse(pair.notAfter)) return `the certificate expired at ${pair.notAfter} (still served; renew it)`;
  if (t < Date.parse(pair.notBefore)) return `the certificate is not valid before ${pair.notBefore} (still served; clients will refuse it until then)`;
  return undefined;
}

function ownerName(state: ListenerState): string {
  return state.listenerSet ? state.listenerSet.obj.metadata.name : state.gateway.name;
}

function frontendValidationFor(gw: GatewayState, port: number): FrontendTLSValidation | undefined {
  const frontend = gw.obj.spec?.tls?.frontend;
  if (!frontend) return undefined;
  const perPort = frontend.perPort?.find((p) => p.port === port);
  return perPort ? perPort.tls?.validation : frontend.default?.validation;
}

function resolveClientValidation(ctx: Context, state: ListenerState, v: FrontendTLSValidation, namespace: string): void {
  const caPem: string[] = [];
  let problem: ConditionInput | undefined;
  const from = { group: GATEWAY_GROUP, kind: 'Gateway', namespace: state.gateway.namespace };
  const perPort = state.gateway.obj.spec?.tls?.frontend?.perPort?.findIndex((p) => p.port === state.spec.port) ?? -1;
  const field = perPort >= 0 ? `spec.tls.frontend.perPort[${perPort}].tls.validation` : 'spec.tls.frontend.default.validation';
  (v.caCertificateRefs ?? []).forEach((ref, i) => {
    const group = ref.group ?? '';
    const kind = ref.kind ?? 'ConfigMap';
    const ns = ref.namespace ?? namespace;
    const fail = (): ConditionInput | undefined => {
      if (group !== '' || (kind !== 'ConfigMap' && kind !== 'Secret')) {
        return bad('ResolvedRefs', Reason.InvalidCACertificateKind, `CA certificate reference ${kind} ${ns}/${ref.name} must be a ConfigMap or Secret`);
      }
      if (!referenceAllowed(ctx, from, { group: '', kind, namespace: ns, name: ref.name })) {
        return bad('ResolvedRefs', Reason.RefNotPermitted, `CA certificate ${kind} ${ns}/${ref.name} is in another namespace and no ReferenceGrant allows it`);
      }
      const holder = kind === 'ConfigMap' ? ctx.configMaps.get(`${ns}/${ref.name}`) : ctx.secrets.get(`${ns}/${ref.name}`);
      const pem = holder ? (kind === 'ConfigMap' ? (holder as any).data?.['ca.crt'] : decodePemData(holder as any, 'ca.crt')) : undefined;
      if (!pem || !looksLikeCertificate(pem)) {
        return bad('ResolvedRefs', Reason.InvalidCACertificateRef, `CA certificate ${kind} ${ns}/${ref.name} does not exist or has no PEM certificate under ca.crt`);
      }
      const bundle = ctx.snapshot.pki?.[pkiKey(kind, ns, ref.name)]?.caBundle;
      if (bundle?.error) return bad('ResolvedRefs', Reason.InvalidCACertificateRef, `CA certificate ${kind} ${ns}/${ref.name}: ${bundle.error}`);
      caPem.push(pem);
      return undefined;
    };
    const p = fail();
    noteReference(ctx, { ...from, name: state.gateway.name }, `${field}.caCertificateRefs[${i}]`, { group, kind, namespace: ns, name: ref.name }, p);
    problem ??= p;
  });
  if (problem) state.resolvedRefs = problem;
  if (caPem.length === 0) {
    state.accepted = bad('Accepted', Reason.NoValidCACertificate,
      `client certificate validation is configured but no CA certificate could be used${problem ? `: ${problem.message}` : ''}`);
    return;
  }
  const mode: ClientValidationIR['mode'] = v.mode === 'AllowInsecureFallback' ? 'AllowInsecureFallback' : 'AllowValidOnly';
  if (state.ir.tls) state.ir.tls.clientValidation = { caPem, mode };
}
