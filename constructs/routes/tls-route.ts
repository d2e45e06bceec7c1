// TLSRoute: routes TLS connections by SNI (Passthrough or Terminate listeners) to backends.
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { tlsroutes } from '../imports/index.ts';
import { compact, nonEmpty, ResourceProps } from '../base.ts';
import { checkL4Rule, L4Rule, l4RuleToKube } from './l4-route.ts';
import { HostnamesOptions, RouteBase, RouteOptions } from './route-base.ts';

export interface TlsRouteOptions extends ResourceProps, RouteOptions, HostnamesOptions {
  /**
   * Rules. You can also add rules later with addRule().
   *
   * @default - none; add one before synth
   */
  readonly rules?: L4Rule[];
}

export interface TlsRouteProps extends TlsRouteOptions {}

/** Declares a TLSRoute. */
export class TlsRoute extends RouteBase {
  public readonly apiObject: tlsroutes.TlsRoute;
  public readonly kind = 'TLSRoute';
  private readonly rules: L4Rule[] = [];

  public constructor(scope: Construct, id: string, props: TlsRouteProps = {}) {
    super(scope, id);
    this.apiObject = new tlsroutes.TlsRoute(this, 'Resource', {
      metadata: props.metadata,
      spec: Lazy.any({
        produce: () => compact({
          parentRefs: this._parentRefs(),
          hostnames: this._hostnames(),
          rules: nonEmpty(this.rules.map((r) => l4RuleToKube(r, this.namespace))),
        }),
      }) as any,
    });
    for (const p of props.parentRefs ?? []) this.addParent(p);
    for (const h of props.hostnames ?? []) this.addHostname(h);
    for (const r of props.rules ?? []) this.addRule(r);
    this.node.addValidation({ validate: () => (this.rules.length === 0 ? ['tlsroute has no rules; pass rules or call addRule()'] : []) });
  }

  /** Adds an SNI hostname (may start with "*."). */
  public addHostname(hostname: string): void {
    this.addHostnameChecked(hostname);
  }

  /** Adds a rule after the existing ones. */
  public addRule(rule: L4Rule): void {
    checkL4Rule('TLSRoute', this.rules, rule);
    this.rules.push(rule);
  }
}
