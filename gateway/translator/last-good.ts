// Last known good, in status: an object whose newest version was refused where objects enter
// (Snapshot.lastGood) is translated from its last accepted version, which keeps serving. Its
// status says so in the message of each Accepted condition (top level, per parent, per
// ancestor); the condition's status and observedGeneration stay those of the served version.
import type { Snapshot } from '../model/index.ts';
import type { ResourceStatus } from './api.ts';

type Obj = Record<string, any>;

function note(conditions: unknown, why: string): void {
  if (!Array.isArray(conditions)) return;
  const c = (conditions as Obj[]).find((x) => x.type === 'Accepted');
  if (c) c.message = `${c.message}; its newest version is refused (${why}): the last accepted version keeps serving`;
}

export function markLastGood(statuses: ResourceStatus[], snapshot: Snapshot): void {
  const refused = snapshot.lastGood;
  if (!refused) return;
  for (const rs of statuses) {
    const why = refused[`${rs.ref.group}/${rs.ref.kind}/${rs.ref.namespace ?? ''}/${rs.ref.name}`];
    if (why === undefined) continue;
    const st = rs.status as Obj;
    note(st.conditions, why);
    for (const p of (st.parents ?? []) as Obj[]) note(p.conditions, why);
    for (const a of (st.ancestors ?? []) as Obj[]) note(a.conditions, why);
  }
}
