// Admission as the API server does it: an object that fails its CRD schema or CEL rules is
// refused. A refused create means the object does not exist; a refused update means the
// previous version stays — so a typo in a file never takes a working route down.
import { validateObject } from '../../translator/schema/index.ts';
import type { Problem } from '../../translator/api.ts';
import { identityOf } from './metadata.ts';

type Obj = Record<string, any>;

export interface Admitted {
  /** What to serve: the object, its last admitted version, or nothing. */
  object?: Obj;
  problems: Problem[];
  /** Why the newest version is refused, when an older one is served instead. */
  lastGood?: string;
}

export interface Admission {
  /** The objects to serve (refused ones replaced by their last admitted version, or dropped). */
  admit(objects: Obj[]): { objects: Obj[]; problems: Problem[]; lastGood: Record<string, string> };
  /**
   * One object, for a provider that admits only what changed; `retain` then forgets the objects
   * that are gone. `admit` is both, for a whole set.
   */
  admitOne(o: Obj): Admitted;
  retain(ids: Set<string>): void;
}

/**
 * The key an object's verdict is cached under: its JSON, except that JSON cannot tell NaN or
 * Infinity (`.nan`, `.inf` in YAML) from null, and a cached verdict must never answer for a
 * different object; those numbers get a spelling of their own.
 */
export function contentKey(o: unknown): string {
  const json = JSON.stringify(o);
  return json.includes('null') ? JSON.stringify(o, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? `\u0000${v}` : v)) : json;
}

/**
 * Objects given to admission are kept as they are, not copied: callers pass objects they do not
 * change afterwards (the file provider passes its parse results) and copy what they get back
 * before changing it.
 */
export function createAdmission(validate: (o: unknown) => Problem[] = validateObject): Admission {
  const admitted = new Map<string, Obj>();
  // Validation is pure, so an object with the same content need not be checked again.
  const verdicts = new Map<string, { key: string; problems: Problem[] }>();

  function admitOne(o: Obj): Admitted {
    const id = identityOf(o);
    if (!id) return { problems: [] };
    const key = contentKey(o);
    let v = verdicts.get(id);
    if (!v || v.key !== key) v = { key, problems: validate(o) };
    verdicts.set(id, v);
    const errors = v.problems.filter((p) => p.severity === 'error');
    if (errors.length === 0) {
      admitted.set(id, o);
      return { object: o, problems: [...v.problems] };
    }
    const previous = admitted.get(id);
    const problems = [...v.problems, {
      severity: 'error' as const, ref: errors[0].ref, field: '', reason: 'Rejected',
      message: previous
        ? 'this version fails CRD validation (an API server would refuse the update); the last accepted version keeps serving'
        : 'fails CRD validation (an API server would refuse to create it); it is not served',
      fix: 'fix the fields reported above',
    }];
    if (!previous) return { problems };
    return { object: previous, problems, lastGood: errors.map((e) => `${e.field ? e.field + ': ' : ''}${e.message}`).join('; ') };
  }

  function retain(ids: Set<string>): void {
    for (const id of admitted.keys()) if (!ids.has(id)) admitted.delete(id);
    for (const id of verdicts.keys()) if (!ids.has(id)) verdicts.delete(id);
  }

  return {
    admitOne,
    retain,
    admit(objects) {
      const out: Obj[] = [];
      const problems: Problem[] = [];
      const lastGood: Record<string, string> = {};
      const ids = new Set<string>();
      for (const o of objects) {
        const id = identityOf(o);
        if (!id) continue;
        ids.add(id);
        const a = admitOne(o);
        problems.push(...a.problems);
        if (a.object) out.push(a.object);
        if (a.lastGood !== undefined) lastGood[id] = a.lastGood;
      }
      retain(ids);
      return { objects: out, problems, lastGood };
    },
  };
}
