// GRPCRoute: rules matching gRPC service/method and headers, forwarding to gRPC backends.
import { Construct } from 'constructs';
import type { GRPCRouteRule } from '../../gateway/model/index.ts';
import { grpcroutes } from '../imports/index.ts';
import { compact, nonEmpty, ResourceProps, sortedBy } from '../base.ts';
import type { BackendRef, IBackendFilter } from './backend-ref.ts';
import { HeaderModifierOptions, headerModifierToKube, RequestMirrorOptions } from './http-filter.ts';
import { HeaderMatch } from './http-match.ts';
import { checkRuleName, HostnamesOptions, RouteOptions, RuleRouteBase, RulesOptions } from './route-base.ts';
import type { SessionPersistence } from './session-persistence.ts';

/** matches[].method: which gRPC service/method. */
export class GrpcMethodMatch {
  /** Exact service and/or method ("pkg.Service", "Method"); at least one is required. */
  public static exact(service?: string, method?: string): GrpcMethodMatch {
    if (!service && !method) throw new Error('grpc method match needs a service or a method; pass at least one');
    if (service && !/^(?:[A-Za-z_][A-Za-z_0-9]*\.)*[A-Za-z_][A-Za-z_0-9]*$/.test(service)) {
      throw new Error(`grpc service "${service}" is not a fully-qualified name like "pkg.Service"`);
    }
    if (method && !/^[A-Za-z_][A-Za-z_0-9]*$/.test(method)) throw new Error(`grpc method "${method}" is not a valid method name`);
    return new GrpcMethodMatch('Exact', service, method);
  }
  /** Regular expressions for service and/or method. */
  public static regex(service?: string, method?: string): GrpcMethodMatch {
    if (!service && !method) throw new Error('grpc method match needs a service or a method; pass at least one');
    return new GrpcMethodMatch('RegularExpression', service, method);
  }
  private constructor(private readonly type: string, private readonly service?: string, private readonly method?: string) {}
  /** @internal */
  public _toKube() {
    return compact({ type: this.type, service: this.service, method: this.method });
  }
}

/** One entry of rules[].matches. */
export interface GrpcRouteMatch {
  /**
   * Service/method condition.
   *
   * @default - every method
   */
  readonly method?: GrpcMethodMatch;
  /**
   * Header (metadata) conditions; all must match.
   *
   * @default - none
   */
  readonly headers?: HeaderMatch[];
}

/** One GRPCRoute filter (rules[].filters or backendRefs[].filters). */
export class GrpcFilter implements IBackendFilter {
  /** Adds, sets or removes request metadata. */
  public static requestHeaderModifier(options: HeaderModifierOptions): GrpcFilter {
    return new GrpcFilter('RequestHeaderModifier', () => ({ requestHeaderModifier: headerModifierToKube(options) }));
  }
  /** Adds, sets or removes response metadata. */
  public static responseHeaderModifier(options: HeaderModifierOptions): GrpcFilter {
    return new GrpcFilter('ResponseHeaderModifier', () => ({ responseHeaderModifier: headerModifierToKube(options) }));
  }
  /** Mirrors calls to another backend. */
  public static requestMirror(backend: BackendRef, options: RequestMirrorOptions = {}): GrpcFilter {
    if (options.percent !== undefined && options.fraction !== undefined) throw new Error('requestMirror takes percent or fraction, not both; remove one');
    return new GrpcFilter('RequestMirror', (ns) => ({
      requestMirror: compact({ backendRef: backend._toObjectRef(ns), percent: options.percent, fraction: options.fraction && compact({ ...options.fraction }) }),
    }));
  }
  /** An implementation-specific filter object in the route's namespace. */
  public static extensionRef(ref: { group: string; kind: string; name: string }): GrpcFilter {
    return new GrpcFilter('ExtensionRef', () => ({ extensionRef: { group: ref.group, kind: ref.kind, name: ref.name } }));
  }
  private constructor(public readonly type: string, private readonly render: (ns: string | undefined) => Record<string, unknown>) {}
  /** @internal */
  public _toKube(fromNamespace: string | undefined) {
    return { type: this.type, ...this.render(fromNamespace) };
  }
}

/** One entry of spec.rules. */
export interface GrpcRouteRule {
  /**
   * Rule name; unique within the route.
   *
   * @default - unnamed
   */
  readonly name?: string;
  /**
   * Conditions; the rule applies if any holds.
   *
   * @default - every call
   */
  readonly matches?: GrpcRouteMatch[];
  /**
   * Filters applied in order.
   *
   * @default - none
   */
  readonly filters?: GrpcFilter[];
  /**
   * Where to forward.
   *
   * @default - none (calls fail with UNAVAILABLE)
   */
  readonly backendRefs?: BackendRef[];
  /**
   * Sticky sessions (experimental).
   *
   * @default - none
   */
  readonly sessionPersistence?: SessionPersistence;
}

export interface GrpcRouteOptions extends ResourceProps, RouteOptions, HostnamesOptions, RulesOptions<GrpcRouteRule> {}

export interface GrpcRouteProps extends GrpcRouteOptions {}

/** Declares a GRPCRoute. */
export class GrpcRoute extends RuleRouteBase<GrpcRouteRule> {
  public readonly apiObject: grpcroutes.GrpcRoute;
  public readonly kind = 'GRPCRoute';

  public constructor(scope: Construct, id: string, props: GrpcRouteProps = {}) {
    super(scope, id);
    this.apiObject = new grpcroutes.GrpcRoute(this, 'Resource', { metadata: props.metadata, spec: this._lazySpec() });
    this._applyProps(props);
  }

  /** Adds a hostname (may start with "*."). */
  public addHostname(hostname: string): void {
    this.addHostnameChecked(hostname);
  }

  /** @internal */
  protected _checkRule(rule: GrpcRouteRule): void {
    if (this._rules.length >= 16) throw new Error('a GRPCRoute holds at most 16 rules; split the route');
    checkRuleName(this._rules, rule);
    const types = (rule.filters ?? []).map((f) => f.type);
    for (const once of ['RequestHeaderModifier', 'ResponseHeaderModifier']) {
      if (types.filter((t) => t === once).length > 1) throw new Error(`rule ${rule.name ? `"${rule.name}"` : this._rules.length} has ${once} more than once; merge them into one filter`);
    }
    this._ruleToKube(rule);
  }

  /** @internal */
  protected _ruleToKube(r: GrpcRouteRule): GRPCRouteRule {
    const ns = this.namespace;
    return compact({
      name: r.name,
      matches: nonEmpty(r.matches?.map((m) => compact({
        method: m.method?._toKube(),
        headers: nonEmpty(sortedBy(m.headers ?? [], (h) => h.name.toLowerCase()).map((h) => h._toKube())),
      }))),
      filters: nonEmpty(r.filters?.map((f) => f._toKube(ns))) as GRPCRouteRule['filters'],
      backendRefs: nonEmpty(r.backendRefs?.map((b) => b._toKube(ns))) as GRPCRouteRule['backendRefs'],
      sessionPersistence: r.sessionPersistence?._toKube(),
    });
  }
}
