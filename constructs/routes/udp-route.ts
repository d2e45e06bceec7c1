// UDPRoute: forwards datagrams on a UDP listener to weighted backends.
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { udproutes } from '../imports/index.ts';
import { compact, nonEmpty, ResourceProps } from '../base.ts';
import { checkL4Rule, L4Rule, l4RuleToKube } from './l4-route.ts';
import { RouteBase, RouteOptions } from './route-base.ts';

export interface UdpRouteOptions extends ResourceProps, RouteOptions {
  /**
   * Rules. You can also add rules later with addRule().
   *
   * @default - none; add one before synth
   */
  readonly rules?: L4Rule[];
}

export interface UdpRouteProps extends UdpRouteOptions {}

/** Declares a UDPRoute. */
export class UdpRoute extends RouteBase {
  public readonly apiObject: udproutes.UdpRoute;
  public readonly kind = 'UDPRoute';
  private readonly rules: L4Rule[] = [];

  public constructor(scope: Construct, id: string, props: UdpRouteProps = {}) {
    super(scope, id);
    this.apiObject = new udproutes.UdpRoute(this, 'Resource', {
      metadata: props.metadata,
      spec: Lazy.any({
        produce: () => compact({
          parentRefs: this._parentRefs(),
          rules: nonEmpty(this.rules.map((r) => l4RuleToKube(r, this.namespace))),
        }),
      }) as any,
    });
    for (const p of props.parentRefs ?? []) this.addParent(p);
    for (const r of props.rules ?? []) this.addRule(r);
    this.node.addValidation({ validate: () => (this.rules.length === 0 ? ['udproute has no rules; pass rules or call addRule()'] : []) });
  }

  /** Adds a rule after the existing ones. */
  public addRule(rule: L4Rule): void {
    checkL4Rule('UDPRoute', this.rules, rule);
    this.rules.push(rule);
  }
}
