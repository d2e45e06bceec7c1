// What every route kind shares: parentRefs from typed parents, hostnames, and the IRoute shape
// ReferenceGrant.allow() reads.
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import type { ParentReference } from '../../gateway/model/index.ts';
import { compact, nonEmpty, Resource } from '../base.ts';
import type { IRouteParent } from '../listener.ts';

/** A route that can be the `from` side of a ReferenceGrant. */
export interface IRoute {
  /** Route kind, e.g. "HTTPRoute". */
  readonly kind: string;
  /** Always gateway.networking.k8s.io. */
  readonly apiGroup: string;
  /** metadata.namespace */
  readonly namespace?: string;
  /** metadata.name */
  readonly name: string;
}

export interface RouteOptions {
  /**
   * Gateways, ListenerSets or listener handles (`gateway.listener('https')`) to attach to.
   * You can also add parents later with addParent().
   *
   * @default - none; add one before synth or the route attaches nowhere
   */
  readonly parentRefs?: IRouteParent[];
}

export interface HostnamesOptions {
  /**
   * spec.hostnames. You can also add hostnames later with addHostname().
   *
   * @default - the hostnames of the listeners the route attaches to
   */
  readonly hostnames?: string[];
}

/** The rules prop of every route kind (R is its rule type). */
export interface RulesOptions<R> {
  /**
   * Rules. You can also add rules later with addRule().
   *
   * @default - none; add one before synth
   */
  readonly rules?: R[];
}

const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Base of the five route kinds. */
export abstract class RouteBase extends Resource implements IRoute {
  private readonly parents: IRouteParent[] = [];
  private readonly hostnames: string[] = [];

  protected constructor(scope: Construct, id: string) {
    super(scope, id);
    this.node.addValidation({
      validate: () => (this.parents.length === 0 ? [`${this.kind.toLowerCase()} has no parentRefs; pass parentRefs or call addParent()`] : []),
    });
  }

  /** Attaches the route to a Gateway, ListenerSet, or one listener. */
  public addParent(parent: IRouteParent): void {
    const ref = JSON.stringify(parent._toParentRef(undefined));
    if (this.parents.some((p) => JSON.stringify(p._toParentRef(undefined)) === ref)) {
      throw new Error(`the route already has parentRef ${ref}; each parent may appear once`);
    }
    if (this.parents.length >= 32) throw new Error('a route holds at most 32 parentRefs; split the route');
    this.parents.push(parent);
  }

  /** Adds a hostname (may start with "*."); requests must match one of them. */
  protected addHostnameChecked(hostname: string): void {
    if (!HOSTNAME.test(hostname) || hostname.length > 253) {
      throw new Error(`hostname "${hostname}" is not a lowercase DNS name (optionally "*." prefixed); fix the hostname`);
    }
    if (this.hostnames.includes(hostname)) throw new Error(`hostname "${hostname}" is already on the route`);
    if (this.hostnames.length >= 16) throw new Error('a route holds at most 16 hostnames; split the route');
    this.hostnames.push(hostname);
  }

  /** @internal */
  protected _parentRefs(): ParentReference[] | undefined {
    return this.parents.length > 0 ? this.parents.map((p) => p._toParentRef(this.namespace)) : undefined;
  }

  /** @internal In declaration order, so error fields (spec.hostnames[i]) match the user's list. */
  protected _hostnames(): string[] | undefined {
    return this.hostnames.length > 0 ? [...this.hostnames] : undefined;
  }
}

/**
 * Base of the route kinds whose spec is parentRefs, hostnames and rules: one place builds the lazy
 * spec, applies props in the same order, and reports a route left without rules.
 */
export abstract class RuleRouteBase<R> extends RouteBase {
  /** @internal In declaration order: within a route, the first matching rule wins ties. */
  protected readonly _rules: R[] = [];

  protected constructor(scope: Construct, id: string) {
    super(scope, id);
  }

  /** Adds a rule after the existing ones. */
  public addRule(rule: R): void {
    this._checkRule(rule);
    this._rules.push(rule);
  }

  /** @internal Throws if the rule may not be added; `_rules` still holds the earlier ones. */
  protected abstract _checkRule(rule: R): void;

  /** @internal Renders one rule in the route's namespace. */
  protected abstract _ruleToKube(rule: R): unknown;

  /** @internal The spec is lazy so that parents, hostnames and rules added after construction appear. */
  protected _lazySpec(): any {
    return Lazy.any({
      produce: () => compact({
        parentRefs: this._parentRefs(),
        hostnames: this._hostnames(),
        rules: nonEmpty(this._rules.map((r) => this._ruleToKube(r))),
      }),
    });
  }

  /** @internal Call once the API object exists; props go in the order users listed them. */
  protected _applyProps(props: RouteOptions & HostnamesOptions & RulesOptions<R>): void {
    for (const p of props.parentRefs ?? []) this.addParent(p);
    for (const h of props.hostnames ?? []) this.addHostnameChecked(h);
    for (const r of props.rules ?? []) this.addRule(r);
    this.node.addValidation({
      validate: () => (this._rules.length === 0 ? [`${this.kind.toLowerCase()} has no rules; pass rules or call addRule()`] : []),
    });
  }
}

/** @internal Rule names are optional but must be unique within a route. */
export function checkRuleName(existing: readonly { readonly name?: string }[], rule: { readonly name?: string }): void {
  if (rule.name && existing.some((r) => r.name === rule.name)) {
    throw new Error(`there is already a rule named "${rule.name}"; rule names must be unique within a route`);
  }
}
