// `portico status --admin HOST:PORT`: the /status of a running gateway, one row per condition.
import { stringify } from 'yaml';
import { adminGet } from './admin-client.ts';
import type { StatusItem, StatusList } from '../admin/status.ts';
import { EXIT, outputFormat, parseCommand, UsageError } from './command.ts';
import { statusCommand } from './commands.ts';
import type { CliIo } from '../cli.ts';


type Obj = Record<string, any>;

function rows(item: StatusItem): string[][] {
  const id = item.metadata.namespace ? `${item.metadata.namespace}/${item.metadata.name}` : item.metadata.name;
  const base = [item.kind, id, String(item.metadata.generation ?? '')];
  const out: string[][] = [];
  const cond = (scope: string, list: Obj[] | undefined) => {
    for (const c of list ?? []) out.push([...base, scope, c.type, c.status, c.reason, String(c.observedGeneration ?? '')]);
  };
  const s = item.status as Obj;
  cond('', s.conditions);
  for (const l of (s.listeners ?? []) as Obj[]) cond(`listener ${l.name} (routes ${l.attachedRoutes ?? 0})`, l.conditions);
  for (const p of (s.parents ?? []) as Obj[]) cond(`parent ${p.parentRef?.namespace ? p.parentRef.namespace + '/' : ''}${p.parentRef?.name}${p.parentRef?.sectionName ? '#' + p.parentRef.sectionName : ''}`, p.conditions);
  for (const a of (s.ancestors ?? []) as Obj[]) cond(`ancestor ${a.ancestorRef?.namespace ? a.ancestorRef.namespace + '/' : ''}${a.ancestorRef?.name}`, a.conditions);
  if (Array.isArray(s.addresses) && s.addresses.length > 0) out.push([...base, 'addresses', s.addresses.map((a: Obj) => a.value).join(','), '', '', '']);
  if (out.length === 0) out.push([...base, '', '', '', '', '']);
  return out;
}

export function formatTable(list: StatusList): string {
  const header = ['KIND', 'NAME', 'GEN', 'SCOPE', 'TYPE', 'STATUS', 'REASON', 'OBSERVED'];
  const all = [header, ...list.items.flatMap(rows)];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export async function runStatus(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(statusCommand, args);
  if (positionals.length > 0) throw new UsageError(`portico status: unexpected argument ${positionals[0]}`);
  if (values.format !== undefined && values.output !== undefined) throw new UsageError('portico status: give -o or --format, not both');
  const format = outputFormat(values.format === 'table' ? 'text' : values.format ?? values.output, statusCommand);
  const list = (await adminGet('status', values.admin!, '/status', values['admin-token-file'])) as StatusList;
  if (format === 'json') io.out(JSON.stringify(list, null, 2));
  else if (format === 'yaml') io.out(stringify(list));
  else {
    io.out(formatTable(list));
    for (const p of list.problems ?? []) io.err(`${p.severity}: ${p.ref.kind} ${p.ref.namespace ? p.ref.namespace + '/' : ''}${p.ref.name} ${p.field}: ${p.message} (${p.reason})`);
  }
  return (list.problems ?? []).some((p) => p.severity === 'error') ? EXIT.problems : EXIT.ok;
}
