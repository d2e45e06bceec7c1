// HTTPRoute: rules of matches → filters → weighted backends, attached to Gateways or listeners.
import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import type { HTTPRouteRule } from '../../gateway/model/index.ts';
import { httproutes } from '../imports/index.ts';
import { compact, nonEmpty, ResourceProps } from '../base.ts';
import type { BackendRef } from './backend-ref.ts';
import { toGatewayDuration } from './duration.ts';
import { checkHttpFilters, HttpFilter } from './http-filter.ts';
import { HttpRouteMatch, httpMatchToKube } from './http-match.ts';
import { checkRuleName, HostnamesOptions, RouteOptions, RuleRouteBase, RulesOptions } from './route-base.ts';
import type { SessionPersistence } from './session-persistence.ts';

/** rules[].retry (experimental). */
export interface HttpRouteRetry {
  /**
   * HTTP status codes (400-599) that trigger a retry.
   *
   * @default - implementation-specific (Portico: 500, 502, 503, 504)
   */
  readonly codes?: number[];
  /**
   * Maximum number of retries.
   *
   * @default - implementation-specific (Portico: 1)
   */
  readonly attempts?: number;
  /**
   * Wait between attempts.
   *
   * @default - implementation-specific
   */
  readonly backoff?: Duration;
}

/** One entry of spec.rules. */
export interface HttpRouteRule {
  /**
   * Rule name (sectionName for policies); unique within the route.
   *
   * @default - unnamed
   */
  readonly name?: string;
  /**
   * Conditions; the rule applies if any match holds.
   *
   * @default - one match: PathPrefix "/"
   */
  readonly matches?: HttpRouteMatch[];
  /**
   * Filters applied in order.
   *
   * @default - none
   */
  readonly filters?: HttpFilter[];
  /**
   * Where to forward; weights split traffic.
   *
   * @default - none (requests get 500 unless a filter such as requestRedirect answers)
   */
  readonly backendRefs?: BackendRef[];
  /**
   * timeouts.request: the whole request, including retries.
   *
   * @default - implementation-specific (Portico: none)
   */
  readonly requestTimeout?: Duration;
  /**
   * timeouts.backendRequest: each attempt to a backend; must not exceed requestTimeout.
   *
   * @default - implementation-specific (Portico: none)
   */
  readonly backendRequestTimeout?: Duration;
  /**
   * Retry policy (experimental).
   *
   * @default - no retries
   */
  readonly retry?: HttpRouteRetry;
  /**
   * Sticky sessions (experimental).
   *
   * @default - none
   */
  readonly sessionPersistence?: SessionPersistence;
}

export interface HttpRouteOptions extends ResourceProps, RouteOptions, HostnamesOptions, RulesOptions<HttpRouteRule> {}

export interface HttpRouteProps extends HttpRouteOptions {}

/** Declares an HTTPRoute. Rules keep declaration order: within a route, the first matching rule wins ties. */
export class HttpRoute extends RuleRouteBase<HttpRouteRule> {
  public readonly apiObject: httproutes.HttpRoute;
  public readonly kind = 'HTTPRoute';

  public constructor(scope: Construct, id: string, props: HttpRouteProps = {}) {
    super(scope, id);
    this.apiObject = new httproutes.HttpRoute(this, 'Resource', { metadata: props.metadata, spec: this._lazySpec() });
    this._applyProps(props);
  }

  /** Adds a hostname (may start with "*."). */
  public addHostname(hostname: string): void {
    this.addHostnameChecked(hostname);
  }

  /** @internal */
  protected _checkRule(rule: HttpRouteRule): void {
    const where = rule.name ? `rule "${rule.name}"` : `rule ${this._rules.length}`;
    if (this._rules.length >= 16) throw new Error(`${where} would be the 17th rule; an HTTPRoute holds at most 16, split the route`);
    checkRuleName(this._rules, rule);
    checkHttpFilters(rule.filters ?? [], where);
    const prefixRewrite = (rule.filters ?? []).some((f) => f._pathModifier === 'ReplacePrefixMatch');
    if (prefixRewrite) {
      const matches = rule.matches ?? [];
      // An omitted matches list defaults to one PathPrefix "/" match, which passes.
      if (matches.length > 0 && (matches.length !== 1 || matches[0].path?.type !== 'PathPrefix')) {
        throw new Error(`${where} uses replacePrefixMatch but does not have exactly one PathPrefix match; use PathMatch.prefix() in a single match`);
      }
    }
    if (rule.requestTimeout && rule.backendRequestTimeout && rule.backendRequestTimeout.toMilliseconds() > rule.requestTimeout.toMilliseconds()) {
      throw new Error(`${where} backendRequestTimeout (${rule.backendRequestTimeout.toMilliseconds()}ms) exceeds requestTimeout (${rule.requestTimeout.toMilliseconds()}ms); lower it or raise requestTimeout`);
    }
    for (const c of rule.retry?.codes ?? []) {
      if (!Number.isInteger(c) || c < 400 || c > 599) throw new Error(`${where} retries on status ${c}; use codes between 400 and 599`);
    }
    if ((rule.matches?.length ?? 0) > 64) throw new Error(`${where} has ${rule.matches!.length} matches; at most 64 are allowed`);
    // Render once now so value errors (duplicate header matches, etc.) point at this call.
    this._ruleToKube(rule);
  }

  /** @internal */
  protected _ruleToKube(r: HttpRouteRule): HTTPRouteRule {
    const ns = this.namespace;
    const timeouts = r.requestTimeout || r.backendRequestTimeout ? compact({
      request: r.requestTimeout && toGatewayDuration(r.requestTimeout, 'timeouts.request'),
      backendRequest: r.backendRequestTimeout && toGatewayDuration(r.backendRequestTimeout, 'timeouts.backendRequest'),
    }) : undefined;
    return compact({
      name: r.name,
      matches: nonEmpty(r.matches?.map(httpMatchToKube)),
      filters: nonEmpty(r.filters?.map((f) => f._toKube(ns))) as HTTPRouteRule['filters'],
      backendRefs: nonEmpty(r.backendRefs?.map((b) => b._toKube(ns))) as HTTPRouteRule['backendRefs'],
      timeouts,
      retry: r.retry && compact({
        codes: nonEmpty(r.retry.codes && [...r.retry.codes].sort((a, b) => a - b)),
        attempts: r.retry.attempts,
        backoff: r.retry.backoff && toGatewayDuration(r.retry.backoff, 'retry.backoff'),
      }),
      sessionPersistence: r.sessionPersistence?._toKube(),
    });
  }
}
