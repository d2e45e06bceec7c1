// What HTTPRoute and GRPCRoute rules share: their filter lists and their backendRefs (each
// with its own filters), translated the same way and reporting into one RouteTranslation.
import type { FilterIR, HttpBackendIR, HttpRuleIR } from '../ir/index.ts';
import type { BackendObjectReference, HTTPRouteFilter } from '../model/index.ts';
import type { ConditionInput } from './conditions.ts';
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
}

export function ruleFilters(
  ctx: Context, tls: TlsPolicies, src: RouteSource, list: HTTPRouteFilter[] | undefined, field: string, out: RouteTranslation,
): { filters: FilterIR[]; direct?: HttpRuleIR['direct'] } {
  const filters: FilterIR[] = [];
  let direct: HttpRuleIR['direct'];
  for (const [fi, f] of (list ?? []).entries()) {
    const r = translateFilter(ctx, tls, src, f, `${field}[${fi}]`);
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
  field: string, transport: Transport, out: RouteTranslation,
): HttpBackendIR[] {
  return (refs ?? []).map((ref, bi) => {
    const bfield = `${field}[${bi}]`;
    const r = resolveBackend(ctx, tls, src, ref, bfield, transport);
    if (r.problem) out.problems.push(r.problem);
    if (r.service) out.services.add(r.service);
    const { filters, direct } = ruleFilters(ctx, tls, src, ref.filters, `${bfield}.filters`, out);
    // A backend whose own filters cannot run answers like an invalid backend.
    if (direct && !r.backend.invalid) r.backend.invalid = direct;
    return { ...r.backend, filters };
  });
}
