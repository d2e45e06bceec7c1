// The diff for people: Markdown for a pull-request comment, plain text for a terminal. Both
// lead with what reviewers ask first: does traffic move, and does anything break.
import type { DiffResult, ListenerDiff, RuleChange } from './compare.ts';
import type { Problem } from '../translator/api.ts';

function counts(d: DiffResult): string {
  const rules = d.listeners.reduce((n, l) => n + l.rules.length, 0);
  const parts = [
    `${d.requests.length} request${d.requests.length === 1 ? ' changes' : 's change'} destination`,
    `${rules} route rule change${rules === 1 ? '' : 's'}`,
    `${d.conditions.length} status change${d.conditions.length === 1 ? '' : 's'}`,
    `${d.problems.introduced.length} problem${d.problems.introduced.length === 1 ? '' : 's'} introduced`,
  ];
  if (d.problems.fixed.length > 0) parts.push(`${d.problems.fixed.length} fixed`);
  return parts.join(', ');
}

function problemLine(p: Problem & { file?: string }): string {
  if (p.ref.kind === 'File') return `${p.file ?? p.ref.name}: ${p.field ? `${p.field}: ` : ''}${p.message} (${p.reason})`;
  const id = p.ref.namespace ? `${p.ref.namespace}/${p.ref.name}` : p.ref.name;
  return `${p.file ? `${p.file}: ` : ''}${p.ref.kind} ${id} ${p.field || '(object)'}: ${p.message} (${p.reason})${p.fix ? ` — fix: ${p.fix}` : ''}`;
}

const listenerTitle = (l: ListenerDiff) => `listener ${l.name} (${l.protocol} :${l.port}${l.hostname ? ` ${l.hostname}` : ''})`;

function ruleLines(r: RuleChange, code: (s: string) => string): string[] {
  const where = r.hostname === '*' ? '' : ` on ${code(r.hostname)}`;
  if (r.change === 'added') return [`rule added${where}: ${r.rule} → ${code(r.after!.backends)}${r.after!.matches.length ? ` when ${r.after!.matches.map(code).join(' or ')}` : ''}`];
  if (r.change === 'removed') return [`rule removed${where}: ${r.rule}`];
  return [`rule changed${where}: ${r.rule}`, ...r.fields.map((f) => `  ${f.field}: ${code(f.before)} → ${code(f.after)}`)];
}

function listenerLines(l: ListenerDiff, code: (s: string) => string): string[] {
  const out: string[] = [];
  if (l.change !== 'changed') out.push(`listener ${l.change}`);
  for (const h of l.hostnamesAdded) out.push(`hostname added: ${code(h)}`);
  for (const h of l.hostnamesRemoved) out.push(`hostname removed: ${code(h)}`);
  for (const r of l.rules) out.push(...ruleLines(r, code));
  return out;
}

function conditionLine(c: DiffResult['conditions'][number], code: (s: string) => string): string {
  const before = c.before ? `${c.before.status} (${c.before.reason})` : 'new';
  const why = c.after?.message ? `: ${c.after.message}` : '';
  return `${c.regression ? 'REGRESSION ' : ''}${c.object} ${c.type}: ${code(before)} → ${code(`${c.after!.status} (${c.after!.reason})`)}${why}`;
}

export function renderMarkdown(d: DiffResult): string {
  const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const out: string[] = [];
  out.push(`### Portico: ${d.failing ? '❌ this change introduces problems' : '✅ no problems introduced'}`, '', counts(d), '');
  if (d.requests.length > 0) {
    out.push('#### Requests whose destination changes', '', '| request | before | after |', '|---|---|---|');
    for (const r of d.requests) out.push(`| ${code(r.request)} | ${cell(r.before.destination)} | ${cell(r.after.destination)} |`);
    out.push('');
  }
  if (d.problems.introduced.length > 0) {
    out.push('#### Problems introduced', '');
    for (const p of d.problems.introduced) out.push(`- ${cell(problemLine(p))}`);
    out.push('');
  }
  if (d.conditions.length > 0) {
    out.push('#### Status changes', '');
    for (const c of d.conditions) out.push(`- ${c.regression ? '❌ ' : ''}${conditionLine(c, code).replace(/^REGRESSION /, '')}`);
    out.push('');
  }
  if (d.moves.length > 0) {
    out.push('#### Hostnames moved', '');
    for (const m of d.moves) out.push(`- ${code(m.hostname)} on Gateway ${m.gateway}: listener ${m.from} → ${m.to}`);
    out.push('');
  }
  const byGateway = new Map<string, ListenerDiff[]>();
  for (const l of d.listeners) byGateway.set(l.gateway, [...(byGateway.get(l.gateway) ?? []), l]);
  for (const [gw, list] of byGateway) {
    out.push(`#### Gateway ${gw}`, '');
    for (const l of list) {
      out.push(`- **${listenerTitle(l)}**`);
      for (const line of listenerLines(l, code)) out.push(line.startsWith('  ') ? `    - ${line.trim()}` : `  - ${line}`);
    }
    out.push('');
  }
  if (d.problems.fixed.length > 0) {
    out.push('<details><summary>Problems fixed</summary>', '');
    for (const p of d.problems.fixed) out.push(`- ${cell(problemLine(p))}`);
    out.push('', '</details>', '');
  }
  if (d.unsampled.length > 0) out.push(`_${d.unsampled.length} rule match${d.unsampled.length === 1 ? '' : 'es'} with regular expressions not sampled._`, '');
  return out.join('\n');
}

export function renderText(d: DiffResult): string {
  const code = (s: string) => s;
  const out: string[] = [`portico diff: ${d.failing ? 'this change introduces problems' : 'no problems introduced'}; ${counts(d)}`];
  if (d.requests.length > 0) {
    out.push('', 'requests whose destination changes:');
    for (const r of d.requests) out.push(`  ${r.request}: ${r.before.destination} -> ${r.after.destination}`);
  }
  if (d.problems.introduced.length > 0) {
    out.push('', 'problems introduced:');
    for (const p of d.problems.introduced) out.push(`  ${problemLine(p)}`);
  }
  if (d.conditions.length > 0) {
    out.push('', 'status changes:');
    for (const c of d.conditions) out.push(`  ${conditionLine(c, code)}`);
  }
  for (const m of d.moves) out.push('', `hostname ${m.hostname} moved on Gateway ${m.gateway}: listener ${m.from} -> ${m.to}`);
  for (const l of d.listeners) {
    out.push('', `Gateway ${l.gateway} ${listenerTitle(l)}:`);
    for (const line of listenerLines(l, code)) out.push(`  ${line.replace(/→/g, '->')}`);
  }
  if (d.problems.fixed.length > 0) {
    out.push('', 'problems fixed:');
    for (const p of d.problems.fixed) out.push(`  ${problemLine(p)}`);
  }
  if (d.unsampled.length > 0) out.push('', `${d.unsampled.length} rule matches with regular expressions not sampled`);
  return out.join('\n').replace(/→/g, '->');
}
