// The migration report: one line per thing that did not convert exactly, naming the Ingress, the
// annotation (or field) and why. Nothing is dropped without a line here.

export type Severity = 'error' | 'warning' | 'info';

export interface ReportLine {
  /** error: behaviour is lost until someone acts; warning: it differs; info: worth knowing. */
  readonly severity: Severity;
  /** "namespace/name" of the Ingress (or other input object), when there is one. */
  readonly object?: string;
  /** The annotation key, or the field ("spec.rules[0].http.paths[1].path"). */
  readonly annotation?: string;
  readonly message: string;
}

export class Report {
  readonly lines: ReportLine[] = [];
  add(severity: Severity, object: string | undefined, annotation: string | undefined, message: string): void {
    if (this.lines.some((l) => l.severity === severity && l.object === object && l.annotation === annotation && l.message === message)) return;
    this.lines.push({ severity, object, annotation, message });
  }
  error(object: string | undefined, annotation: string | undefined, message: string): void { this.add('error', object, annotation, message); }
  warning(object: string | undefined, annotation: string | undefined, message: string): void { this.add('warning', object, annotation, message); }
  info(object: string | undefined, annotation: string | undefined, message: string): void { this.add('info', object, annotation, message); }
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function sortedLines(lines: readonly ReportLine[]): ReportLine[] {
  return [...lines].sort((a, b) => ORDER[a.severity] - ORDER[b.severity] || (a.object ?? '').localeCompare(b.object ?? '') ||
    (a.annotation ?? '').localeCompare(b.annotation ?? '') || a.message.localeCompare(b.message));
}

/** One line each: `error   shop/web  nginx.ingress.kubernetes.io/server-snippet: not converted: ...`. */
export function reportText(lines: readonly ReportLine[]): string {
  return sortedLines(lines).map((l) => `${l.severity.padEnd(7)} ${l.object ?? '-'}  ${l.annotation ? `${l.annotation}: ` : ''}${l.message}`).join('\n');
}

/** The report as Markdown (written next to the emitted app). */
export function reportMarkdown(lines: readonly ReportLine[]): string {
  const count = (s: Severity) => lines.filter((l) => l.severity === s).length;
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const rows = sortedLines(lines).map((l) => `| ${l.severity} | ${esc(l.object ?? '')} | ${esc(l.annotation ?? '')} | ${esc(l.message)} |`);
  return [
    '# Migration report (ingress-nginx to Portico)', '',
    `${count('error')} errors (behaviour lost until someone acts), ${count('warning')} warnings (behaviour differs), ${count('info')} notes.`, '',
    '| severity | object | annotation or field | what and why |', '|---|---|---|---|', ...rows, '',
  ].join('\n');
}
