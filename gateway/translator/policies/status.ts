// GEP-713 PolicyAncestorStatus for attached policies: one entry per ancestor (the Gateway, with
// sectionName for a listener target; a target that does not exist is its own ancestor), each with
// one Accepted condition whose reason is Accepted, Invalid, Conflicted or TargetNotFound. A section
// that does not compile makes the policy Invalid on every ancestor; the message says what the
// rules get meanwhile (the fail-closed status, or what they inherit: attach.ts effective()).
import type { Problem, ResourceStatus } from '../api.ts';
import { conditions } from '../conditions.ts';
import type { Context } from '../context.ts';
import type { PolicyState, Verdict } from './attach.ts';
import type { PolicyDescriptor } from './descriptor.ts';

const RANK: Record<string, number> = { Invalid: 0, Conflicted: 1, TargetNotFound: 2, Accepted: 3 };

export function policyStatuses(ctx: Context, d: PolicyDescriptor, policies: PolicyState[]): ResourceStatus[] {
  const out: ResourceStatus[] = [];
  for (const p of policies) {
    const ref = { group: d.group, kind: d.kind, namespace: p.obj.metadata.namespace ?? 'default', name: p.obj.metadata.name };
    const sectionProblems = [...p.compiled.values()].map((c) => c.problem).filter((x): x is Verdict => x !== undefined);
    const reported = new Set<string>();
    const problem = (v: Verdict) => {
      const k = `${v.field}\n${v.reason}\n${v.message}`;
      if (reported.has(k)) return;
      reported.add(k);
      const m = /^((?:spec)[\w.[\]]*): (.*)$/s.exec(v.message);
      const pr: Problem = { severity: 'error', ref, field: m ? m[1] : v.field, reason: v.reason, message: m ? m[2] : v.message, ...(v.fix ? { fix: v.fix } : {}) };
      ctx.problems.push(pr);
    };
    if (p.ancestors.size === 0) continue;
    for (const v of sectionProblems) problem(v);
    const g = p.obj.metadata.generation ?? 1;
    const prev = (p.obj.status as { ancestors?: any[] } | undefined)?.ancestors;
    const ancestors = [...p.ancestors.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, a]) => {
      const all = [...sectionProblems, ...a.verdicts];
      for (const v of a.verdicts) if (!v.status) problem(v);
      const worst = all.reduce((w, v) => (RANK[v.reason] ?? 0) < (RANK[w.reason] ?? 0) ? v : w);
      const c = worst.status ? worst : {
        ...worst,
        message: worst.reason === 'Invalid' && sectionProblems.includes(worst)
          ? `${worst.message} (${d.failClosed
            ? `the rules this policy applies to answer ${d.failClosed.status} until it is fixed`
            : 'not applied: the rules this policy applies to keep what they inherit for that section from a less specific target, if anything, until it is fixed'})`
          : worst.message,
      };
      const before = prev?.find((x) => x.controllerName === ctx.controllerName && x.ancestorRef?.name === a.ref.name &&
        x.ancestorRef?.namespace === a.ref.namespace && x.ancestorRef?.kind === a.ref.kind && (x.ancestorRef?.sectionName ?? '') === (a.ref.sectionName ?? ''));
      return { ancestorRef: a.ref, controllerName: ctx.controllerName, conditions: conditions([c], g, ctx.now, before?.conditions) };
    });
    out.push({ ref, generation: g, status: { ancestors } });
  }
  return out;
}
