// How problems are shown to a person: one line each, pointing at the file to edit.
import type { Problem } from '../translator/api.ts';

export interface LocatedProblem extends Problem {
  file?: string;
}

export function locate(problems: Problem[], sources: Map<string, string> | undefined, cwd: string): LocatedProblem[] {
  return problems.map((p) => {
    const file = p.ref.kind === 'File'
      ? p.ref.name
      : sources?.get(`${p.ref.group}/${p.ref.kind}/${p.ref.namespace ?? ''}/${p.ref.name}`);
    return file ? { ...p, file: relativeTo(cwd, file) } : p;
  });
}

function relativeTo(cwd: string, file: string): string {
  const base = cwd.endsWith('/') ? cwd : cwd + '/';
  return file.startsWith(base) ? file.slice(base.length) : file;
}

/** `<file>: <Kind> <ns>/<name> <field>: <message> (<reason>) — fix: <fix>` */
export function formatProblem(p: LocatedProblem): string {
  const where = p.file ?? '<unknown file>';
  const fix = p.fix ? ` — fix: ${p.fix}` : '';
  if (p.ref.kind === 'File') return `${where}: ${p.field ? p.field + ': ' : ''}${p.message} (${p.reason})${fix}`;
  const id = p.ref.namespace ? `${p.ref.namespace}/${p.ref.name}` : p.ref.name;
  return `${where}: ${p.ref.kind} ${id} ${p.field || '(object)'}: ${p.message} (${p.reason})${fix}`;
}
