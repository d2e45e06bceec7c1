// The one way a Problem is shown to a person, for synth errors and `portico validate` alike:
// `[<where>: ]<Kind> <ns>/<name> <field>: <message> (<reason>) — fix: <fix>`. Pure.
import type { Problem } from '../translator/api.ts';

/** One line; `where` (a file, a file:line) is prefixed when known. Construct paths are added by cdk8s. */
export function formatProblem(p: Problem, where?: string): string {
  const at = where ? `${where}: ` : '';
  const fix = p.fix ? ` — fix: ${p.fix}` : '';
  if (p.ref.kind === 'File') return `${at}${p.field ? p.field + ': ' : ''}${p.message} (${p.reason})${fix}`;
  const id = p.ref.namespace ? `${p.ref.namespace}/${p.ref.name}` : p.ref.name;
  return `${at}${p.ref.kind} ${id} ${p.field || '(object)'}: ${p.message} (${p.reason})${fix}`;
}
