// How problems are shown to a person: one line each, pointing at the file and line to edit.
import type { Problem } from '../translator/api.ts';
import { createLocator, type Locator } from '../model/positions.ts';
import { formatProblem as formatOne } from '../validate/index.ts';

export interface LocatedProblem extends Problem {
  file?: string;
  /** 1-based line of the offending field (or of its object) in `file`. */
  line?: number;
}

/**
 * Adds file and line to each problem. `sources` maps "group/Kind/ns/name" to the file the
 * object came from; `text` gives that file's text, parsed once per file to find the line.
 */
export function locate(problems: Problem[], sources: Map<string, string> | undefined, cwd: string, text?: (source: string) => string | undefined): LocatedProblem[] {
  const locators = new Map<string, Locator | undefined>();
  const locator = (file: string) => {
    if (!locators.has(file)) {
      const t = text?.(file);
      locators.set(file, t === undefined ? undefined : createLocator(t));
    }
    return locators.get(file);
  };
  return problems.map((p) => {
    if (p.ref.kind === 'File') {
      const m = /^line (\d+)$/.exec(p.field);
      return { ...p, file: relativeTo(cwd, p.ref.name), ...(m ? { line: Number(m[1]) } : {}) };
    }
    const file = sources?.get(`${p.ref.group}/${p.ref.kind}/${p.ref.namespace ?? ''}/${p.ref.name}`);
    if (file === undefined) return p;
    const line = locator(file)?.line(p.ref, p.field);
    return { ...p, file: relativeTo(cwd, file), ...(line !== undefined ? { line } : {}) };
  });
}

export function relativeTo(cwd: string, file: string): string {
  const base = cwd.endsWith('/') ? cwd : cwd + '/';
  return file.startsWith(base) ? file.slice(base.length) : file;
}

/** `<file>:<line>: <Kind> <ns>/<name> <field>: <message> (<reason>) — fix: <fix>` (the one formatter, gateway/validate). */
export function formatProblem(p: LocatedProblem): string {
  const where = p.file === undefined ? '<unknown file>' : p.line === undefined ? p.file : `${p.file}:${p.line}`;
  // A file problem located by line already says where; its "line N" field need not repeat it.
  return formatOne(p.ref.kind === 'File' && p.line !== undefined ? { ...p, field: '' } : p, where);
}
