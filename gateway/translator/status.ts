// Turns the translation state into the exact status blocks a controller writes, and into
// Problems a person can act on. observedGeneration and lastTransitionTime are handled here.
import type { Condition, ParentReference, RouteParentStatus } from '../model/index.ts';
import type { Problem, ResourceStatus } from './api.ts';
import type { ParentResult } from './attachment.ts';
import type { PolicyState } from './backend-tls-policies.ts';
import type { ConditionInput } from './conditions.ts';
import { conditions, Reason } from './conditions.ts';
import type { Context } from './context.ts';
import { GATEWAY_GROUP } from './context.ts';
import { SUPPORTED_FEATURES } from './features.ts';
import type { ClassState } from './gateways.ts';
import type { GatewayState, ListenerSetState, ListenerState } from './state.ts';
import { isListenerProgrammed } from './state.ts';

const gen = (o: { metadata: { generation?: number } }) => o.metadata.generation ?? 1;

/** Splits "spec.x[0].y: message" into its field and message. */
function splitField(message: string, fallback: string): { field: string; message: string } {
  const m = /^((?:spec|metadata)[\w.[\]]*): (.*)$/s.exec(message);
  return m ? { field: m[1], message: m[2] } : { field: fallback, message };
}

function problem(ref: Problem['ref'], fallbackField: string, c: ConditionInput, fix?: string): Problem {
  const { field, message } = splitField(c.message, fallbackField);
  const f = c.fix ?? fix;
  return { severity: 'error', ref, field, reason: c.reason, message, ...(f ? { fix: f } : {}) };
}

export function gatewayClassStatus(ctx: Context, cls: ClassState): ResourceStatus {
  const g = gen(cls.obj);
  const prev = (cls.obj.status as any)?.conditions as Condition[] | undefined;
  const ref = { group: GATEWAY_GROUP, kind: 'GatewayClass', name: cls.obj.metadata.name };
  if (!cls.accepted.status) ctx.problems.push(problem(ref, 'spec.parametersRef', cls.accepted, 'remove spec.parametersRef'));
  return {
    ref, generation: g,
    status: {
      conditions: conditions([cls.accepted], g, ctx.now, prev),
      supportedFeatures: [...SUPPORTED_FEATURES].sort().map((name) => ({ name })),
    },
  };
}

function listenerStatus(ctx: Context, l: ListenerState, generation: number, prev: any[] | undefined, ref: Problem['ref'], owner: ConditionInput) {
  // A listener is only programmed when its owner is: buildTable skips non-accepted owners.
  const programmed = isListenerProgrammed(l) && owner.status;
  const why = !l.accepted.status ? l.accepted.message : !l.resolvedRefs.status ? l.resolvedRefs.message : owner.message;
  const list: ConditionInput[] = [
    l.accepted,
    programmed
      ? { type: 'Programmed', status: true, reason: Reason.Programmed,
          message: l.servingLastGood ? 'Listener is programmed with the last good version of its certificate' : 'Listener is programmed' }
      // A conflicted listener's Programmed reason is the conflict (ListenerSet*Conflict conformance).
      : { type: 'Programmed', status: false, reason: l.conflicted?.status ? l.conflicted.reason : Reason.Invalid, message: `Listener is not programmed: ${why}` },
    l.resolvedRefs,
    l.conflicted ?? { type: 'Conflicted', status: false, reason: Reason.NoConflicts, message: 'No conflicts' },
    ...(l.overlappingTls ? [l.overlappingTls] : []),
  ];
  if (!l.accepted.status) ctx.problems.push(problem(ref, l.field, l.accepted, l.conflicted?.status ? 'give the listener a distinct port or hostname' : undefined));
  else if (!l.resolvedRefs.status) ctx.problems.push(problem(ref, `${l.field}.tls`, l.resolvedRefs, fixFor(l.resolvedRefs.reason)));
  for (const w of l.warnings ?? []) {
    ctx.problems.push({ severity: 'warning', ref, field: `${l.field}.tls.certificateRefs`, reason: 'CertificateValidity', message: `listener "${l.spec.name}": ${w}`, fix: 'renew the certificate in the Secret' });
  }
  const before = prev?.find((p) => p.name === l.spec.name)?.conditions;
  return {
    name: l.spec.name,
    supportedKinds: l.supportedKinds,
    attachedRoutes: l.attachedRoutes,
    conditions: conditions(list, generation, ctx.now, before),
  };
}

function fixFor(reason: string): string | undefined {
  switch (reason) {
    case Reason.RefNotPermitted: return 'add a ReferenceGrant in the referenced namespace that allows this reference';
    case Reason.InvalidCertificateRef: return 'reference an existing kubernetes.io/tls Secret with tls.crt and tls.key';
    case Reason.InvalidRouteKinds: return 'list only route kinds the listener protocol supports in allowedRoutes.kinds';
    case Reason.BackendNotFound: return 'create the Service or fix the backendRef name and port';
    case Reason.InvalidKind: return 'reference a core Service (group "" kind Service)';
    case Reason.NotAllowedByListeners: return "attach to a listener whose allowedRoutes admit the route's namespace and kind";
    case Reason.NoMatchingListenerHostname: return "use hostnames within the listener's hostname";
    case Reason.NoMatchingParent: return 'fix parentRefs sectionName/port to name an existing, valid listener';
    default: return undefined;
  }
}

/**
 * ResolvedRefs (only when spec.tls.backend is set: it is about that reference, and summarises the
 * listeners' ResolvedRefs) and InsecureFrontendValidationMode (only while it is True).
 */
function gatewayExtraConditions(gw: GatewayState): ConditionInput[] {
  const out: ConditionInput[] = [];
  if (gw.resolvedRefs) {
    const unresolved = gw.listeners.filter((l) => !l.resolvedRefs.status).map((l) => l.spec.name);
    out.push(gw.resolvedRefs.status && unresolved.length > 0
      ? { type: 'ResolvedRefs', status: false, reason: Reason.ListenersNotResolved, message: `listeners with unresolved references: ${unresolved.join(', ')}` }
      : gw.resolvedRefs);
  }
  if (gw.insecureFrontend) out.push(gw.insecureFrontend);
  return out;
}

export function gatewayStatus(ctx: Context, gw: GatewayState): ResourceStatus {
  const g = gen(gw.obj);
  const prev = gw.obj.status as any;
  const ref = { group: GATEWAY_GROUP, kind: 'Gateway', namespace: gw.namespace, name: gw.name };
  if (!gw.accepted.status) ctx.problems.push(problem(ref, 'spec', gw.accepted));
  if (gw.resolvedRefs && !gw.resolvedRefs.status) {
    ctx.problems.push(problem(ref, 'spec.tls.backend.clientCertificateRef', gw.resolvedRefs,
      gw.resolvedRefs.reason === Reason.RefNotPermitted ? fixFor(Reason.RefNotPermitted) : 'reference an existing kubernetes.io/tls Secret whose tls.key belongs to its tls.crt'));
  }
  if (gw.insecureFrontend) {
    ctx.problems.push({ severity: 'warning', ref, field: 'spec.tls.frontend', reason: 'InsecureFrontendValidationMode', message: gw.insecureFrontend.message, fix: 'use mode AllowValidOnly once every client presents a valid certificate' });
  }
  return {
    ref, generation: g,
    status: {
      conditions: conditions([gw.accepted, gw.programmed, ...gatewayExtraConditions(gw)], g, ctx.now, prev?.conditions),
      listeners: gw.listeners.map((l) => listenerStatus(ctx, l, g, prev?.listeners, ref, gw.accepted)),
      attachedListenerSets: gw.listenerSets.filter((s) => s.accepted.status).length,
    },
  };
}

export function listenerSetStatus(ctx: Context, ls: ListenerSetState): ResourceStatus {
  const g = gen(ls.obj);
  const prev = ls.obj.status as any;
  const ref = { group: GATEWAY_GROUP, kind: 'ListenerSet', namespace: ls.obj.metadata.namespace, name: ls.obj.metadata.name };
  if (!ls.allowed) ctx.problems.push(problem(ref, 'spec.parentRef', ls.accepted, `allow ListenerSets from this namespace in the Gateway's spec.allowedListeners`));
  else if (!ls.accepted.status) ctx.problems.push(problem(ref, ls.accepted.reason === Reason.ParentNotAccepted ? 'spec.parentRef' : 'spec.listeners', ls.accepted));
  return {
    ref, generation: g,
    status: {
      conditions: conditions([ls.accepted, ls.programmed], g, ctx.now, prev?.conditions),
      listeners: ls.listeners.map((l) => listenerStatus(ctx, l, g, prev?.listeners, ref, ls.accepted)),
    },
  };
}

function sameParent(a: ParentReference, b: ParentReference): boolean {
  return (a.group ?? GATEWAY_GROUP) === (b.group ?? GATEWAY_GROUP) && (a.kind ?? 'Gateway') === (b.kind ?? 'Gateway') &&
    a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '') && a.sectionName === b.sectionName && a.port === b.port;
}

export function routeStatus(
  ctx: Context, kind: string, obj: { metadata: { namespace?: string; name: string; generation?: number }; status?: any },
  parents: ParentResult[], problems: ConditionInput[],
): ResourceStatus | undefined {
  if (parents.length === 0) return undefined;
  const g = gen(obj);
  const ref = { group: GATEWAY_GROUP, kind, namespace: obj.metadata.namespace, name: obj.metadata.name };
  const resolved = problems.find((p) => p.type === 'ResolvedRefs')
    ?? { type: 'ResolvedRefs', status: true, reason: Reason.ResolvedRefs, message: 'All references are resolved' };
  const unacceptable = problems.find((p) => p.type === 'Accepted');
  const partial = problems.find((p) => p.type === 'PartiallyInvalid');
  for (const p of problems) ctx.problems.push(problem(ref, 'spec.rules', p, fixFor(p.reason)));
  const entries: RouteParentStatus[] = parents.map((p) => {
    const accepted = p.accepted.status && unacceptable ? unacceptable : p.accepted;
    // A rule problem that made the route unacceptable is already reported above, once.
    if (!p.accepted.status && p.accepted !== unacceptable) ctx.problems.push(problem(ref, p.field, p.accepted, fixFor(p.accepted.reason)));
    const before = (obj.status?.parents as RouteParentStatus[] | undefined)?.find((e) => e.controllerName === ctx.controllerName && sameParent(e.parentRef, p.ref));
    const list = partial !== undefined && accepted.status ? [accepted, resolved, partial] : [accepted, resolved];
    return { parentRef: p.ref, controllerName: ctx.controllerName, conditions: conditions(list, g, ctx.now, before?.conditions) };
  });
  return { ref, generation: g, status: { parents: entries } };
}

export function policyStatus(ctx: Context, p: PolicyState): ResourceStatus | undefined {
  if (p.ancestors.size === 0) return undefined;
  const g = gen(p.obj);
  const ref = { group: GATEWAY_GROUP, kind: 'BackendTLSPolicy', namespace: p.obj.metadata.namespace, name: p.obj.metadata.name };
  if (!p.accepted.status) ctx.problems.push(problem(ref, 'spec', p.accepted));
  const prev = (p.obj.status as any)?.ancestors as any[] | undefined;
  const ancestors = [...p.ancestors].sort().map((key) => {
    const [namespace, name] = key.split('/');
    const ancestorRef = { group: GATEWAY_GROUP, kind: 'Gateway', namespace, name };
    const before = prev?.find((a) => a.controllerName === ctx.controllerName && a.ancestorRef?.name === name && a.ancestorRef?.namespace === namespace);
    return { ancestorRef, controllerName: ctx.controllerName, conditions: conditions([p.accepted, p.resolvedRefs], g, ctx.now, before?.conditions) };
  });
  return { ref, generation: g, status: { ancestors } };
}
