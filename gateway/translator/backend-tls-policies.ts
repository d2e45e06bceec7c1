// BackendTLSPolicy: which policy applies to which Service port (oldest wins a conflict, a
// sectionName-specific policy beats a Service-wide one) and whether its CA references resolve.
// Status is written per ancestor Gateway, once routes tell us which Gateways use the Service.
import type { BackendTlsIR } from '../ir/index.ts';
import type { BackendTLSPolicy } from '../model/index.ts';
import type { ConditionInput } from './conditions.ts';
import { Reason } from './conditions.ts';
import type { Context } from './context.ts';
import { GATEWAY_GROUP, noteReference } from './context.ts';
import { decodePemData, looksLikeCertificate } from './pem.ts';

export interface PolicyState {
  obj: BackendTLSPolicy;
  /** undefined when the policy is not usable (see conditions). */
  tls?: BackendTlsIR;
  accepted: ConditionInput;
  resolvedRefs: ConditionInput;
  /** Gateways ("ns/name") whose routes send traffic to a target of this policy. */
  ancestors: Set<string>;
}

export interface TlsPolicies {
  all: PolicyState[];
  /** The winning policy for a Service port (by port name), if any. */
  forService(service: string, portName: string | undefined): PolicyState | undefined;
  /** Every policy (winner or not) targeting the Service: all of them report on its Gateways. */
  targeting(service: string): PolicyState[];
}

const ok = (type: string, reason: string, message: string): ConditionInput => ({ type, status: true, reason, message });
const bad = (type: string, reason: string, message: string): ConditionInput => ({ type, status: false, reason, message });

export function processBackendTLSPolicies(ctx: Context): TlsPolicies {
  const all: PolicyState[] = [];
  // "ns/service" or "ns/service#section" → winner; the snapshot is sorted oldest first.
  const winners = new Map<string, PolicyState>();
  for (const p of ctx.snapshot.backendTLSPolicies) {
    const state = resolvePolicy(ctx, p);
    all.push(state);
    const ns = p.metadata.namespace ?? 'default';
    let lost = false;
    for (const t of p.spec?.targetRefs ?? []) {
      if ((t.group ?? '') !== '' || t.kind !== 'Service') continue;
      const key = `${ns}/${t.name}${t.sectionName ? '#' + t.sectionName : ''}`;
      const prior = winners.get(key);
      if (prior && prior !== state) { lost = true; continue; }
      winners.set(key, state);
    }
    if (lost) {
      state.accepted = bad('Accepted', Reason.Conflicted, 'an older BackendTLSPolicy already targets the same Service (and section); this one is ignored');
      for (const [k, v] of winners) if (v === state) winners.delete(k);
    }
  }
  return {
    all,
    targeting(service) {
      return all.filter((s) => (s.obj.spec?.targetRefs ?? []).some((t) => (t.group ?? '') === '' && t.kind === 'Service' &&
        `${s.obj.metadata.namespace ?? 'default'}/${t.name}` === service));
    },
    forService(service, portName) {
      const specific = portName ? winners.get(`${service}#${portName}`) : undefined;
      return specific ?? winners.get(service);
    },
  };
}

function resolvePolicy(ctx: Context, p: BackendTLSPolicy): PolicyState {
  const ns = p.metadata.namespace ?? 'default';
  const v = p.spec?.validation;
  const state: PolicyState = {
    obj: p, ancestors: new Set(),
    accepted: ok('Accepted', Reason.Accepted, 'BackendTLSPolicy is accepted'),
    resolvedRefs: ok('ResolvedRefs', Reason.ResolvedRefs, 'All CA certificate references are resolved'),
  };
  if (!v) {
    state.accepted = bad('Accepted', Reason.Invalid, 'spec.validation is required');
    return state;
  }
  const caPem: string[] = [];
  (v.caCertificateRefs ?? []).forEach((ref, i) => {
    const fail = (): ConditionInput | undefined => {
      if ((ref.group ?? '') !== '' || (ref.kind !== 'ConfigMap' && ref.kind !== 'Secret')) {
        return bad('ResolvedRefs', Reason.InvalidKind, `caCertificateRefs ${ref.group ? ref.group + '/' : ''}${ref.kind} ${ref.name}: only ConfigMap and Secret are supported`);
      }
      const holder = ref.kind === 'ConfigMap' ? ctx.configMaps.get(`${ns}/${ref.name}`) : ctx.secrets.get(`${ns}/${ref.name}`);
      const pem = holder ? (ref.kind === 'ConfigMap' ? (holder as any).data?.['ca.crt'] : decodePemData(holder as any, 'ca.crt')) : undefined;
      if (!pem || !looksLikeCertificate(pem)) {
        return bad('ResolvedRefs', Reason.InvalidCACertificateRef, `caCertificateRefs ${ref.kind} ${ns}/${ref.name} does not exist or holds no PEM certificate under ca.crt`);
      }
      caPem.push(pem);
      return undefined;
    };
    const problem = fail();
    // The last problem wins the condition, as before; every reference gets its own verdict.
    if (problem) state.resolvedRefs = problem;
    noteReference(ctx, { group: GATEWAY_GROUP, kind: 'BackendTLSPolicy', namespace: ns, name: p.metadata.name },
      `spec.validation.caCertificateRefs[${i}]`, { group: ref.group ?? '', kind: ref.kind, namespace: ns, name: ref.name }, problem);
  });
  const system = v.wellKnownCACertificates === 'System';
  if (!state.resolvedRefs.status || (caPem.length === 0 && !system)) {
    state.accepted = bad('Accepted', Reason.NoValidCACertificate, 'no usable CA certificate; fix caCertificateRefs or use wellKnownCACertificates: System');
    return state;
  }
  state.tls = {
    hostname: v.hostname,
    caPem,
    system,
    subjectAltNames: (v.subjectAltNames ?? []).map((s) => ({ type: s.type === 'URI' ? 'URI' as const : 'Hostname' as const, value: s.type === 'URI' ? s.uri ?? '' : s.hostname ?? '' })),
  };
  return state;
}
