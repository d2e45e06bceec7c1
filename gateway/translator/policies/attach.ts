// The generic GEP-713 attachment module. For every policy kind (a PolicyDescriptor) it
//  1. compiles each policy's sections once (references resolved in the policy's namespace),
//  2. merges the policies of each target, oldest first: a section already set (or disabled) at
//     that target by an older policy makes the younger one Conflicted there (it adds nothing),
//  3. resolves inheritance Gateway → listener → route → rule into each rule's IR: per section the
//     most specific level wins, `disable` drops an inherited section; an invalid section never
//     applies (see effective()): for a kind whose sections guard access (a descriptor with
//     failClosed) the rules it would govern answer that status, for the others it is as if unset
//     and the section inherited from a less specific level keeps applying,
//  4. writes each policy's status per ancestor (Accepted / Conflicted / Invalid / TargetNotFound).
// Kinds plug in through descriptors (registry.ts); nothing here knows what a section means.
import type { HttpRuleIR } from '../../ir/index.ts';
import type { ResourceStatus } from '../api.ts';
import type { ConditionInput } from '../conditions.ts';
import type { Context } from '../context.ts';
import type { GatewayState, ListenerSetState, ListenerState } from '../state.ts';
import type { TlsPolicies } from '../backend-tls-policies.ts';
import type { CompileEnv, PolicyDescriptor, PolicyLevel, PolicyObject } from './descriptor.ts';
import { policyStatuses } from './status.ts';
import type { AncestorRef } from './targets.ts';
import { levelAllowed, resolveTarget, routeHasRule, routeKey } from './targets.ts';

/** One section at one target after merging that target's policies. */
export interface LevelEntry {
  disabled: boolean;
  value?: unknown;
  /** Why the section is unusable (fail closed where it applies). */
  invalid?: string;
  /** "Kind/namespace/name@Level" */
  source: string;
}

/** The merged sections of one target; `id` keys the memo of effective results. */
export interface LevelSpec {
  id: number;
  sections: Map<string, LevelEntry>;
  owners: Set<PolicyState>;
}

export type Verdict = ConditionInput & { field: string; fix?: string };

export interface PolicyState {
  obj: PolicyObject;
  /** The compiled sections (absent when the section is not set). */
  compiled: Map<string, { ir?: unknown; problem?: Verdict }>;
  /** ancestor key → its ref and the verdicts of the targets under it. */
  ancestors: Map<string, { ref: AncestorRef; verdicts: Verdict[] }>;
  /** Verdicts of route and rule targets, reported on each Gateway the route attaches to. */
  routeVerdicts: Map<string, Verdict[]>;
}

export interface KindAttachments {
  descriptor: PolicyDescriptor;
  policies: PolicyState[];
  gateways: Map<string, LevelSpec>;
  listeners: Map<ListenerState, LevelSpec>;
  routes: Map<string, LevelSpec>;
  /** "routeKey#ruleName" */
  rules: Map<string, LevelSpec>;
  /** Effective result per combination of level specs, so equal inputs share one IR object. */
  memo: Map<string, { ir: Record<string, unknown>; failClosed: boolean } | undefined>;
}

export interface PolicyAttachments {
  kinds: KindAttachments[];
  /**
   * The route's rules as one listener serves them: each with its effective policies. Returns the
   * same array when no policy applies. Also records the listener's Gateway as an ancestor of the
   * policies that target the route.
   */
  rulesFor(listener: ListenerState, kind: string, namespace: string, name: string, rules: HttpRuleIR[]): HttpRuleIR[];
  statuses(): ResourceStatus[];
}

const accepted = (): Verdict => ({ type: 'Accepted', status: true, reason: 'Accepted', message: 'Policy is accepted', field: 'spec.targetRefs' });

export function processPolicies(
  ctx: Context, tls: TlsPolicies, gateways: GatewayState[], listenerSets: ListenerSetState[], descriptors: readonly PolicyDescriptor[],
): PolicyAttachments {
  const idx = {
    gateways: new Map(gateways.map((g) => [g.key, g])),
    listenerSets: new Map(listenerSets.map((s) => [`${s.obj.metadata.namespace ?? 'default'}/${s.obj.metadata.name}`, s])),
  };
  let nextId = 1;
  const kinds: KindAttachments[] = descriptors.map((d) => {
    const k: KindAttachments = { descriptor: d, policies: [], gateways: new Map(), listeners: new Map(), routes: new Map(), rules: new Map(), memo: new Map() };
    for (const obj of d.list(ctx.snapshot)) {
      const p = compilePolicy({ ctx, tls }, d, obj);
      k.policies.push(p);
      attachPolicy(ctx, idx, k, p, () => nextId++);
    }
    return k;
  });

  return {
    kinds,
    rulesFor(listener, kind, namespace, name, rules) {
      const rk = routeKey(kind, namespace, name);
      let out = rules;
      for (const k of kinds) {
        noteRouteAncestors(k, rk, listener.gateway);
        const levels = [k.gateways.get(listener.gateway.key), k.listeners.get(listener), k.routes.get(rk)];
        const hasRules = k.rules.size > 0;
        if (!levels.some(Boolean) && !hasRules) continue;
        const next = out.map((r) => {
          const ruleSpec = r.route.ruleName ? k.rules.get(`${rk}#${r.route.ruleName}`) : undefined;
          const eff = effective(k, [...levels, ruleSpec]);
          if (!eff) return r;
          const copy: HttpRuleIR = { ...r, policies: { ...r.policies, [k.descriptor.irKey]: eff.ir as any } };
          if (eff.failClosed && !r.direct && k.descriptor.failClosed) copy.direct = k.descriptor.failClosed;
          return copy;
        });
        if (next.some((r, i) => r !== out[i])) out = next;
      }
      return out;
    },
    statuses() {
      return kinds.flatMap((k) => policyStatuses(ctx, k.descriptor, k.policies));
    },
  };
}

function compilePolicy(env: CompileEnv, d: PolicyDescriptor, obj: PolicyObject): PolicyState {
  const p: PolicyState = { obj, compiled: new Map(), ancestors: new Map(), routeVerdicts: new Map() };
  const spec = obj.spec ?? {};
  const disabled = new Set(spec.disable ?? []);
  for (const section of d.sections) {
    const value = spec[section];
    if (value === undefined || value === null) continue;
    if (disabled.has(section)) {
      p.compiled.set(section, { problem: { type: 'Accepted', status: false, reason: 'Invalid', field: `spec.${section}`, message: `spec.${section}: the section is both set and listed in spec.disable`, fix: `remove "${section}" from spec.disable or remove spec.${section}` } });
      continue;
    }
    const r = d.compile(env, obj, section, value, `spec.${section}`);
    p.compiled.set(section, 'ir' in r ? { ir: r.ir } : { problem: { ...r.problem } });
  }
  for (const s of disabled) {
    if (!d.sections.includes(s)) {
      p.compiled.set(`disable:${s}`, { problem: { type: 'Accepted', status: false, reason: 'Invalid', field: 'spec.disable', message: `spec.disable: "${s}" is not a section of ${d.kind}`, fix: `use one of ${d.sections.join(', ')}` } });
    }
  }
  return p;
}

function addAncestor(p: PolicyState, ref: AncestorRef, v: Verdict): void {
  const key = `${ref.kind}/${ref.namespace}/${ref.name}#${ref.sectionName ?? ''}`;
  const a = p.ancestors.get(key) ?? { ref, verdicts: [] };
  a.verdicts.push(v);
  p.ancestors.set(key, a);
}

function attachPolicy(ctx: Context, idx: Parameters<typeof resolveTarget>[1], k: KindAttachments, p: PolicyState, id: () => number): void {
  const d = k.descriptor;
  const ns = p.obj.metadata.namespace ?? 'default';
  const src = (level: PolicyLevel) => `${d.kind}/${ns}/${p.obj.metadata.name}@${level}`;
  (p.obj.spec?.targetRefs ?? []).forEach((t, i) => {
    const field = `spec.targetRefs[${i}]`;
    const r = resolveTarget(ctx, idx, ns, t);
    if (!r.level) {
      if ('foreign' in r) return;
      if ('notFound' in r) addAncestor(p, r.ancestor, { type: 'Accepted', status: false, reason: 'TargetNotFound', field, message: `${field}: ${r.notFound}`, fix: 'create the target or fix the targetRef' });
      else addAncestor(p, r.ancestor, { type: 'Accepted', status: false, reason: 'Invalid', field, message: `${field}: ${r.invalid}`, fix: 'fix the targetRef group and kind' });
      return;
    }
    const level = r.level;
    const report = (v: Verdict) => {
      if (level === 'Gateway' || level === 'Listener') addAncestor(p, r.ancestor, v);
      else p.routeVerdicts.set(r.routeKey, [...(p.routeVerdicts.get(r.routeKey) ?? []), v]);
    };
    if ((level === 'Rule') && !routeHasRule(ctx, r.routeKey, r.ruleName!)) {
      report({ type: 'Accepted', status: false, reason: 'TargetNotFound', field, message: `${field}: ${r.routeKey.split('/')[0]} ${ns}/${t.name} has no rule named "${r.ruleName}"`, fix: 'name the rule (rules[].name) or fix sectionName' });
      return;
    }
    // Sections this level may not carry make the target Invalid (nothing of the policy applies there).
    const misplaced = [...p.compiled.keys()].filter((s) => !s.startsWith('disable:') && !levelAllowed(d.levels?.[s], level));
    if (misplaced.length) {
      report({ type: 'Accepted', status: false, reason: 'Invalid', field, message: `${field}: ${misplaced.map((s) => `spec.${s}`).join(', ')} cannot target a ${level === 'Rule' ? 'route rule' : level.toLowerCase()}; allowed at ${misplaced.map((s) => d.levels![s]!.join('/')).join('; ')} scope`, fix: `target a Gateway or listener, or move ${misplaced.join(', ')} to another policy` });
      return;
    }
    const specs: LevelSpec[] = [];
    const take = <K>(m: Map<K, LevelSpec>, key: K) => {
      let s = m.get(key);
      if (!s) { s = { id: id(), sections: new Map(), owners: new Set() }; m.set(key, s); }
      specs.push(s);
    };
    if (level === 'Gateway') take(k.gateways, r.gateway.key);
    else if (level === 'Listener') for (const l of r.listeners) take(k.listeners, l);
    else if (level === 'Route') take(k.routes, r.routeKey);
    else take(k.rules, `${r.routeKey}#${r.ruleName}`);
    const touched = [...p.compiled.keys()].filter((s) => !s.startsWith('disable:')).concat((p.obj.spec?.disable ?? []).filter((s) => d.sections.includes(s)));
    for (const s of specs) {
      const clash = touched.filter((sec) => s.sections.has(sec) && !s.owners.has(p));
      if (clash.length) {
        const older = [...new Set(clash.map((sec) => s.sections.get(sec)!.source.split('@')[0]))].join(', ');
        report({ type: 'Accepted', status: false, reason: 'Conflicted', field, message: `${field}: ${clash.map((c) => `spec.${c}`).join(', ')} already set at this target by the older ${older}; this policy is not applied here`, fix: `merge the two policies, or set different sections (${clash.join(', ')}) in each` });
        continue;
      }
      s.owners.add(p);
      for (const sec of touched) {
        const c = p.compiled.get(sec);
        s.sections.set(sec, c ? { disabled: false, value: c.ir, ...(c.problem ? { invalid: c.problem.message } : {}), source: src(level) } : { disabled: true, source: src(level) });
      }
      report(accepted());
    }
  });
}

function noteRouteAncestors(k: KindAttachments, rk: string, gw: GatewayState): void {
  for (const p of k.policies) {
    const vs = p.routeVerdicts.get(rk);
    if (!vs) continue;
    const ref: AncestorRef = { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: gw.namespace, name: gw.name };
    const key = `Gateway/${gw.namespace}/${gw.name}#`;
    if (p.ancestors.get(key)?.verdicts.some((v) => vs.includes(v))) continue;
    for (const v of vs) addAncestor(p, ref, v);
  }
}

/**
 * Resolves inheritance for one combination of levels (least specific first).
 *
 * An invalid section at a level (GEP-713: its policy is not Accepted, reason Invalid) has no effect
 * of its own, and what the rule gets instead is one rule for every kind, set by its descriptor:
 * - a kind whose sections guard access (`failClosed`, SecurityPolicy) cannot know whether the
 *   broken section was meant to be stricter than what is inherited, so the rules it would govern
 *   answer the fail-closed status until it is fixed (a more specific valid level still replaces
 *   it, and `disable` still drops it);
 * - for the other kinds (TrafficPolicy) the invalid section is as if unset: the section inherited
 *   from a less specific level keeps applying (or none), and the rule keeps serving.
 */
function effective(k: KindAttachments, levels: (LevelSpec | undefined)[]): { ir: Record<string, unknown>; failClosed: boolean } | undefined {
  const key = levels.map((l) => l?.id ?? 0).join('|');
  if (k.memo.has(key)) return k.memo.get(key);
  const acc = new Map<string, LevelEntry>();
  const failClosedKind = k.descriptor.failClosed !== undefined;
  for (const l of levels) {
    if (!l) continue;
    for (const [section, e] of l.sections) {
      if (e.disabled) { acc.delete(section); continue; }
      if (e.invalid !== undefined && !failClosedKind) continue;
      const prev = acc.get(section);
      const merge = k.descriptor.merge;
      acc.set(section, prev && merge && !prev.invalid && !e.invalid ? { ...e, value: merge(section, prev.value, e.value) } : e);
    }
  }
  let out: { ir: Record<string, unknown>; failClosed: boolean } | undefined;
  if (acc.size > 0) {
    const sources: Record<string, string> = {};
    const ir: Record<string, unknown> = { sources };
    let failClosed = false;
    for (const section of k.descriptor.sections) {
      const e = acc.get(section);
      if (!e) continue;
      sources[section] = e.source;
      if (e.invalid) failClosed = true;
      else ir[section] = e.value;
    }
    out = { ir, failClosed };
  }
  k.memo.set(key, out);
  return out;
}
