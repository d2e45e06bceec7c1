// What Portico's attached policies (GEP-713, group policy.portico.dev) share in the construct
// library: typed targets (a Gateway, one of its listeners, a route, one rule of a route) and the
// one L1 object. Targets are local: they must be in the policy's namespace.
import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import type { PolicyTargetReference } from '../../gateway/model/index.ts';
import { POLICY_GROUP, POLICY_VERSION } from '../../gateway/model/index.ts';
import { chartNamespace, GATEWAY_GROUP, Resource, ResourceProps } from '../base.ts';
import type { GatewayListener, IListenerParent } from '../listener.ts';

/** An object a policy can target (a Gateway, a ListenerSet, an HTTPRoute or a GRPCRoute). */
export interface IPolicyTargetable {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** spec.targetRefs[] of a Portico policy. */
export class PolicyTarget {
  /** The whole Gateway (or ListenerSet): every listener, every route on it. */
  public static of(target: IPolicyTargetable | IListenerParent): PolicyTarget {
    return new PolicyTarget(target.kind, target.name, target.namespace, undefined);
  }
  /** One listener (`gateway.listener('https')`). */
  public static listener(listener: GatewayListener): PolicyTarget {
    return new PolicyTarget(listener.parent.kind, listener.parent.name, listener.parent.namespace, listener.name);
  }
  /** One rule of a route, by the rule's `name`. */
  public static rule(route: IPolicyTargetable, ruleName: string): PolicyTarget {
    return new PolicyTarget(route.kind, route.name, route.namespace, ruleName);
  }
  private constructor(
    public readonly kind: string,
    public readonly name: string,
    public readonly namespace: string | undefined,
    public readonly sectionName: string | undefined,
  ) {}
  /** @internal */
  public _toKube(): PolicyTargetReference {
    return { group: GATEWAY_GROUP, kind: this.kind, name: this.name, ...(this.sectionName ? { sectionName: this.sectionName } : {}) };
  }
}

export interface AttachedPolicyProps extends ResourceProps {
  /** What the policy attaches to; in the policy's namespace. */
  readonly targets: PolicyTarget[];
}

/** Base of Portico's policy constructs: one policy.portico.dev object with targetRefs and the kind's spec. */
export abstract class AttachedPolicy extends Resource {
  public readonly apiObject: ApiObject;
  public override readonly apiGroup: string = POLICY_GROUP;

  protected constructor(scope: Construct, id: string, kind: string, props: AttachedPolicyProps, spec: () => Record<string, unknown>) {
    super(scope, id);
    const lower = kind.charAt(0).toLowerCase() + kind.slice(1);
    if (props.targets.length === 0) throw new Error(`${lower} ${id}: targets is empty; pass at least one PolicyTarget (a Gateway, a listener, a route or a route rule)`);
    const ns = props.metadata?.namespace ?? chartNamespace(scope);
    props.targets.forEach((t, i) => {
      if (t.namespace !== undefined && ns !== undefined && t.namespace !== ns) {
        throw new Error(`${lower} ${id}: targets[${i}] (${t.kind} ${t.namespace}/${t.name}) is in another namespace than the policy (${ns}); declare the policy in namespace ${t.namespace}`);
      }
    });
    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: `${POLICY_GROUP}/${POLICY_VERSION}`,
      kind,
      metadata: props.metadata,
      spec: Lazy.any({ produce: () => ({ targetRefs: props.targets.map((t) => t._toKube()), ...spec() }) }),
    });
  }
}
