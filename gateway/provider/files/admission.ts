// Admission as the API server does it: an object that fails its CRD schema or CEL rules is
// refused. A refused create means the object does not exist; a refused update means the
// previous version stays — so a typo in a file never takes a working route down.
import { validateObject } from '../../translator/schema/index.ts';
import type { Problem } from '../../translator/api.ts';
import { identityOf } from './metadata.ts';

type Obj = Record<string, any>;

export interface Admission {
  /** The objects to serve (refused ones replaced by their last admitted version, or dropped). */
  admit(objects: Obj[]): { objects: Obj[]; problems: Problem[]; lastGood: Record<string, string> };
}

export function createAdmission(validate: (o: unknown) => Problem[] = validateObject): Admission {
  let admitted = new Map<string, Obj>();
  // Validation is pure, so an unchanged object need not be checked again.
  let verdicts = new Map<string, { json: string; problems: Problem[] }>();
  return {
    admit(objects) {
      const nextAdmitted = new Map<string, Obj>();
      const nextVerdicts = new Map<string, { json: string; problems: Problem[] }>();
      const out: Obj[] = [];
      const problems: Problem[] = [];
      const lastGood: Record<string, string> = {};
      for (const o of objects) {
        const id = identityOf(o);
        if (!id) continue;
        const json = JSON.stringify(o);
        let v = verdicts.get(id);
        if (!v || v.json !== json) v = { json, problems: validate(o) };
        nextVerdicts.set(id, v);
        const errors = v.problems.filter((p) => p.severity === 'error');
        problems.push(...v.problems);
        if (errors.length === 0) {
          nextAdmitted.set(id, structuredClone(o));
          out.push(o);
          continue;
        }
        const previous = admitted.get(id);
        const ref = errors[0].ref;
        problems.push({
          severity: 'error', ref, field: '', reason: 'Rejected',
          message: previous
            ? 'this version fails CRD validation (an API server would refuse the update); the last accepted version keeps serving'
            : 'fails CRD validation (an API server would refuse to create it); it is not served',
          fix: 'fix the fields reported above',
        });
        if (previous) {
          lastGood[id] = errors.map((e) => `${e.field ? e.field + ': ' : ''}${e.message}`).join('; ');
          nextAdmitted.set(id, previous);
          out.push(structuredClone(previous));
        }
      }
      admitted = nextAdmitted;
      verdicts = nextVerdicts;
      return { objects: out, problems, lastGood };
    },
  };
}
