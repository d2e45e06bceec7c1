// The shape TLSRoute, TCPRoute and UDPRoute share: rules that are just weighted backendRefs.
import type { L4RouteRule } from '../../gateway/model/index.ts';
import { compact, nonEmpty } from '../base.ts';
import type { BackendRef } from './backend-ref.ts';
import { checkRuleName, RuleRouteBase } from './route-base.ts';

/** One entry of spec.rules for TLS/TCP/UDP routes. */
export interface L4Rule {
  /**
   * Rule name; unique within the route.
   *
   * @default - unnamed
   */
  readonly name?: string;
  /** Backends; connections are spread by weight. */
  readonly backendRefs: BackendRef[];
}

/** @internal Checks and renders rules of an L4 route. */
export function checkL4Rule(kind: string, existing: readonly L4Rule[], rule: L4Rule): void {
  if (existing.length >= 16) throw new Error(`a ${kind} holds at most 16 rules; split the route`);
  checkRuleName(existing, rule);
  if (rule.backendRefs.length === 0) throw new Error(`${kind} rule${rule.name ? ` "${rule.name}"` : ''} has no backendRefs; pass at least one`);
  if (rule.backendRefs.length > 16) throw new Error(`${kind} rule has ${rule.backendRefs.length} backendRefs; at most 16 are allowed`);
}

/** @internal */
export function l4RuleToKube(rule: L4Rule, ns: string | undefined): L4RouteRule {
  return compact({ name: rule.name, backendRefs: nonEmpty(rule.backendRefs.map((b) => b._toKube(ns))) });
}

/** Base of TLSRoute, TCPRoute and UDPRoute: their rules check and render alike. */
export abstract class L4RouteBase extends RuleRouteBase<L4Rule> {
  /** @internal */
  protected _checkRule(rule: L4Rule): void {
    checkL4Rule(this.kind, this._rules, rule);
  }

  /** @internal */
  protected _ruleToKube(rule: L4Rule): L4RouteRule {
    return l4RuleToKube(rule, this.namespace);
  }
}
