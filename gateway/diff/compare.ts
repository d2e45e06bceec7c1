// The semantic diff of two translations: per Gateway listener the hostnames and route rules
// added, removed and changed; hostnames that moved between listeners; status conditions that
// changed (a regression is a condition turning unhealthy); the requests whose destination
// changes; and the problems the change introduces or fixes. Pure: both sides come translated.
import type { Problem, TranslateResult } from '../translator/api.ts';
import { resolveSample, sampleLabel, sampleRequests, type Resolution, type SampleRequest } from './samples.ts';
import { conditionViews, isHealthy, listenerViews, type ListenerView, type RuleView } from './views.ts';

export interface DiffSide {
  result: TranslateResult;
  /** Everything validate reports for this side (schema, references, translator), with files. */
  problems: (Problem & { file?: string })[];
}

export interface FieldChange { field: string; before: string; after: string }

export interface RuleChange {
  change: 'added' | 'removed' | 'changed';
  /** The served hostname the rule is under. */
  hostname: string;
  rule: string;
  before?: RuleView;
  after?: RuleView;
  fields: FieldChange[];
}

export interface ListenerDiff {
  change: 'added' | 'removed' | 'changed';
  id: string;
  gateway: string;
  name: string;
  protocol: string;
  port: number;
  hostname?: string;
  hostnamesAdded: string[];
  hostnamesRemoved: string[];
  rules: RuleChange[];
}

export interface HostnameMove { gateway: string; hostname: string; from: string; to: string }

export interface ConditionChange {
  object: string;
  type: string;
  before?: { status: string; reason: string };
  after?: { status: string; reason: string; message: string };
  /** The condition turned (or appeared) unhealthy: Accepted/Programmed/ResolvedRefs not True, Conflicted True. */
  regression: boolean;
}

export interface RequestChange {
  request: string;
  sample: SampleRequest;
  before: Resolution;
  after: Resolution;
}

export interface DiffResult {
  listeners: ListenerDiff[];
  moves: HostnameMove[];
  conditions: ConditionChange[];
  requests: RequestChange[];
  problems: { introduced: DiffSide['problems']; fixed: DiffSide['problems'] };
  /** Rule matches that need a regular expression and so were not sampled (IR rule ids). */
  unsampled: string[];
  /** True when the change introduces problems: new errors or a condition turning unhealthy. */
  failing: boolean;
}

const RULE_FIELDS: (keyof RuleView)[] = ['matches', 'filters', 'backends', 'timeouts', 'policies'];
const str = (v: RuleView[keyof RuleView]) => (Array.isArray(v) ? v.join(' | ') || 'none' : String(v));

function compareRules(hostname: string, before: Map<string, RuleView> | undefined, after: Map<string, RuleView> | undefined): RuleChange[] {
  const out: RuleChange[] = [];
  const keys = [...new Set([...(before?.keys() ?? []), ...(after?.keys() ?? [])])];
  for (const key of keys) {
    const b = before?.get(key);
    const a = after?.get(key);
    if (b && !a) out.push({ change: 'removed', hostname, rule: key, before: b, fields: [] });
    else if (!b && a) out.push({ change: 'added', hostname, rule: key, after: a, fields: [] });
    else if (a && b) {
      const fields = RULE_FIELDS.map((f) => ({ field: f, before: str(b[f]), after: str(a[f]) })).filter((c) => c.before !== c.after);
      if (fields.length > 0) out.push({ change: 'changed', hostname, rule: key, before: b, after: a, fields });
    }
  }
  return out;
}

function compareListener(b: ListenerView | undefined, a: ListenerView | undefined): ListenerDiff | undefined {
  const l = (a ?? b)!;
  const hb = new Set(b?.hosts.keys() ?? []);
  const ha = new Set(a?.hosts.keys() ?? []);
  const rules: RuleChange[] = [];
  for (const h of [...new Set([...hb, ...ha])]) rules.push(...compareRules(h, b?.hosts.get(h), a?.hosts.get(h)));
  const attrs = b && a && (b.protocol !== a.protocol || b.hostname !== a.hostname || b.port !== a.port);
  const diff: ListenerDiff = {
    change: !b ? 'added' : !a ? 'removed' : 'changed',
    id: l.id, gateway: l.gateway, name: l.name, protocol: l.protocol, port: l.port, hostname: l.hostname,
    hostnamesAdded: [...ha].filter((h) => !hb.has(h)), hostnamesRemoved: [...hb].filter((h) => !ha.has(h)), rules,
  };
  return diff.change !== 'changed' || attrs || rules.length > 0 || diff.hostnamesAdded.length > 0 || diff.hostnamesRemoved.length > 0 ? diff : undefined;
}

const problemKey = (p: Problem) => JSON.stringify([p.severity, p.ref, p.field, p.reason, p.message]);

export function diffTranslations(base: DiffSide, head: DiffSide): DiffResult {
  const lb = listenerViews(base.result.table);
  const la = listenerViews(head.result.table);
  const listeners: ListenerDiff[] = [];
  for (const id of [...new Set([...lb.keys(), ...la.keys()])].sort()) {
    const d = compareListener(lb.get(id), la.get(id));
    if (d) listeners.push(d);
  }

  const moves: HostnameMove[] = [];
  for (const from of listeners) {
    for (const h of from.hostnamesRemoved) {
      const to = listeners.find((x) => x !== from && x.gateway === from.gateway && x.hostnamesAdded.includes(h));
      if (to) moves.push({ gateway: from.gateway, hostname: h, from: from.name, to: to.name });
    }
  }

  const cb = conditionViews(base.result.statuses);
  const ca = conditionViews(head.result.statuses);
  const conditions: ConditionChange[] = [];
  for (const key of [...new Set([...cb.keys(), ...ca.keys()])].sort()) {
    const b = cb.get(key);
    const a = ca.get(key);
    if (!a) continue; // the object went away: its rules show as removed
    if (b && b.status === a.status && b.reason === a.reason) continue;
    if (!b && isHealthy(a)) continue; // a new object that is fine: its rules show as added
    conditions.push({
      object: a.object, type: a.type,
      before: b && { status: b.status, reason: b.reason },
      after: { status: a.status, reason: a.reason, message: a.message },
      regression: !isHealthy(a) && (!b || isHealthy(b)),
    });
  }

  // Every request either side would sample, each resolved on both tables.
  const sb = sampleRequests(base.result.table);
  const sa = sampleRequests(head.result.table);
  const gateways = new Set([...base.result.table.gateways, ...head.result.table.gateways].map((g) => g.key));
  const seen = new Set<string>();
  const requests: RequestChange[] = [];
  for (const sample of [...sb.samples, ...sa.samples]) {
    const request = sampleLabel(sample, gateways.size > 1);
    if (seen.has(request)) continue;
    seen.add(request);
    const before = resolveSample(base.result.table, sample);
    const after = resolveSample(head.result.table, sample);
    if (before.destination !== after.destination) requests.push({ request, sample, before, after });
  }
  requests.sort((x, y) => (x.request < y.request ? -1 : x.request > y.request ? 1 : 0));

  const errors = (s: DiffSide) => s.problems.filter((p) => p.severity === 'error');
  const kb = new Set(errors(base).map(problemKey));
  const ka = new Set(errors(head).map(problemKey));
  const introduced = errors(head).filter((p) => !kb.has(problemKey(p)));
  const fixed = errors(base).filter((p) => !ka.has(problemKey(p)));

  return {
    listeners, moves, conditions, requests, problems: { introduced, fixed },
    unsampled: [...new Set([...sb.unsampled, ...sa.unsampled])].sort(),
    failing: introduced.length > 0 || conditions.some((c) => c.regression),
  };
}
