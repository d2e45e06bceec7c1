// XBackendTrafficPolicy (experimental, gateway.networking.x-k8s.io): Portico does not implement
// it (retry budgets and session persistence per backend are not applied), and says so instead of
// ignoring it silently: every such policy is a warning Problem, and on each Gateway whose routes
// send traffic to one of its target Services it gets an ancestor status with Accepted=False.
// The per-route equivalents, HTTPRoute rules[].retry and rules[].sessionPersistence, are served.
import type { XBackendTrafficPolicy } from '../model/index.ts';
import { X_GATEWAY_GROUP } from '../model/index.ts';
import type { ResourceStatus } from './api.ts';
import { conditions, Reason } from './conditions.ts';
import type { ConditionInput } from './conditions.ts';
import type { Context } from './context.ts';
import { GATEWAY_GROUP } from './context.ts';

export interface TrafficPolicyState {
  obj: XBackendTrafficPolicy;
  /** Gateways ("ns/name") whose accepted routes send traffic to a target Service. */
  ancestors: Set<string>;
}

const FIX = 'remove the policy, or use HTTPRoute rules[].retry and rules[].sessionPersistence, which Portico serves';

function unsupported(p: XBackendTrafficPolicy): ConditionInput {
  const parts = [p.spec?.retryConstraint ? 'retryConstraint' : '', p.spec?.sessionPersistence ? 'sessionPersistence' : ''].filter(Boolean);
  return {
    type: 'Accepted', status: false, reason: Reason.Invalid,
    message: `XBackendTrafficPolicy is not supported by Portico; ${parts.length ? parts.join(' and ') : 'nothing in it'} ${parts.length > 1 ? 'are' : 'is'} not applied to the target Services (${FIX})`,
  };
}

export function processTrafficPolicies(ctx: Context): TrafficPolicyState[] {
  return ctx.snapshot.xBackendTrafficPolicies.map((obj) => {
    ctx.problems.push({
      severity: 'warning', ref: { group: X_GATEWAY_GROUP, kind: 'XBackendTrafficPolicy', namespace: obj.metadata.namespace, name: obj.metadata.name },
      field: 'spec', reason: 'Unsupported', message: unsupported(obj).message, fix: FIX,
    });
    return { obj, ancestors: new Set<string>() };
  });
}

/** The policies that target Service "ns/name". */
export function trafficPoliciesTargeting(all: TrafficPolicyState[], service: string): TrafficPolicyState[] {
  return all.filter((s) => (s.obj.spec?.targetRefs ?? []).some((t) => (t.group ?? '') === '' && t.kind === 'Service' &&
    `${s.obj.metadata.namespace ?? 'default'}/${t.name}` === service));
}

export function trafficPolicyStatus(ctx: Context, p: TrafficPolicyState): ResourceStatus | undefined {
  if (p.ancestors.size === 0) return undefined;
  const g = p.obj.metadata.generation ?? 1;
  const prev = (p.obj.status as any)?.ancestors as any[] | undefined;
  const accepted = unsupported(p.obj);
  const ancestors = [...p.ancestors].sort().map((key) => {
    const [namespace, name] = key.split('/');
    const before = prev?.find((a) => a.controllerName === ctx.controllerName && a.ancestorRef?.name === name && a.ancestorRef?.namespace === namespace);
    return { ancestorRef: { group: GATEWAY_GROUP, kind: 'Gateway', namespace, name }, controllerName: ctx.controllerName, conditions: conditions([accepted], g, ctx.now, before?.conditions) };
  });
  return { ref: { group: X_GATEWAY_GROUP, kind: 'XBackendTrafficPolicy', namespace: p.obj.metadata.namespace, name: p.obj.metadata.name }, generation: g, status: { ancestors } };
}
