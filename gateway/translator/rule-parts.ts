// What HTTPRoute and GRPCRoute rules share: their filter lists and their backendRefs (each
// with its own filters), translated the same way and reporting into one RouteTranslation.
import type { FilterIR, HttpBackendIR, HttpRuleIR } from '../ir/index.ts';
import type { BackendObjectReference, HTTPRouteFilter } from '../model/index.ts';
import type { ConditionInput } from './conditions.ts';
import { Reason } from './conditions.ts';
import type { Context } from './context.ts';
import type { RouteSource, Transport } from './backends.ts';
import { resolveBackend } from './backends.ts';
import type { TlsPolicies } from './backend-tls-policies.ts';
import { translateFilter } from './http-filters.ts';

export interface RouteTranslation {
  rules: HttpRuleIR[];
  /** Every problem found, by condition type ("ResolvedRefs" or "Accepted"). */
  problems: ConditionInput[];
  /** Services the route sends traffic to ("ns/name"), for BackendTLSPolicy ancestors. */
  services: Set<string>;
  /** Rules (by index) with a value the data plane must not send (safe-values.ts), and the first such value. */
  invalidRules?: Map<number, ConditionInput>;
  /** Every rule is invalid: the route is not Accepted, yet its rules stay programmed to answer 500. */
  holdInvalid?: boolean;
}

/**
 * A rule with an unsafe value (a header value with CR LF, a protocol-relative redirect...) is
 * invalid, and so answers 500 where it matches (`direct`). It is not dropped: a dropped rule's
 * requests would fall through to a less specific route and skip what this one decides (an
 * ExternalAuth, a redirect), and the spec says a filter that cannot be applied "MUST NOT be
 * skipped", its requests "MUST receive a HTTP error response".
 */
export function noteInvalidRule(out: RouteTranslation, ruleIndex: number, problem: ConditionInput): { status: number; reason: string } {
  out.invalidRules ??= new Map();
  if (!out.invalidRules.has(ruleIndex)) out.invalidRules.set(ruleIndex, problem);
  return { status: 500, reason: 'InvalidValue' };
}

/**
 * The route's verdict on its invalid rules (HTTPRoute `filters` doc): some invalid →
 * PartiallyInvalid=True; all invalid → Accepted=False, both UnsupportedValue, naming the first
 * field. Either way the invalid rules keep their matches and answer 500.
 */
export function settleInvalidRules(out: RouteTranslation, ruleCount: number): void {
  const bad = out.invalidRules;
  if (bad === undefined || bad.size === 0) return;
  const [first] = bad.values();
  const which = [...bad.keys()].map((i) => `spec.rules[${i}]`).join(', ');
  if (bad.size >= ruleCount) {
    out.holdInvalid = true;
    out.problems.push({ type: 'Accepted', status: false, reason: Reason.UnsupportedValueRoute,
      message: `${first!.message}; every rule is invalid, and requests they match are answered 500` });
  } else {
    out.problems.push({ type: 'PartiallyInvalid', status: true, reason: Reason.UnsupportedValueRoute,
      message: `${first!.message}; invalid rules (${which}) answer 500 to the requests they match, the others are served` });
  }
}

export function ruleFilters(
  ctx: Context, tls: TlsPolicies, src: RouteSource, list: HTTPRouteFilter[] | undefined, field: string, out: RouteTranslation, ruleIndex: number,
): { filters: FilterIR[]; direct?: HttpRuleIR['direct'] } {
  const filters: FilterIR[] = [];
  let direct: HttpRuleIR['direct'];
  for (const [fi, f] of (list ?? []).entries()) {
    const r = translateFilter(ctx, tls, src, f, `${field}[${fi}]`);
    if (r.unsafe) {
      direct ??= noteInvalidRule(out, ruleIndex, r.unsafe);
      continue;
    }
    if (r.problem) out.problems.push(r.problem);
    if (r.service) out.services.add(r.service);
    if (r.direct) direct ??= r.direct;
    if (r.filter) filters.push(r.filter);
  }
  return direct ? { filters, direct } : { filters };
}

export function ruleBackends(
  ctx: Context, tls: TlsPolicies, src: RouteSource,
  refs: (BackendObjectReference & { weight?: number; filters?: HTTPRouteFilter[] })[] | undefined,
  field: string, transport: Transport, out: RouteTranslation, ruleIndex: number,
): HttpBackendIR[] {
  return (refs ?? []).map((ref, bi) => {
    const bfield = `${field}[${bi}]`;
    const r = resolveBackend(ctx, tls, src, ref, bfield, transport);
    if (r.problem) out.problems.push(r.problem);
    if (r.service) out.services.add(r.service);
    const { filters, direct } = ruleFilters(ctx, tls, src, ref.filters, `${bfield}.filters`, out, ruleIndex);
    // A backend whose own filters cannot run answers like an invalid backend.
    if (direct && !r.backend.invalid) r.backend.invalid = direct;
    return { ...r.backend, filters };
  });
}
