// What every route kind shares: parentRefs from typed parents, hostnames, and the IRoute shape
// ReferenceGrant.allow() reads.
import { Construct } from 'constructs';
import type { ParentReference } from '../../gateway/model/index.ts';
import { Resource } from '../base.ts';
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
