// RequestHeaderModifier: set replaces, add appends (comma-joined into the existing value, as
// the HTTPHeaderFilter docs show: "my-header: foo,bar"), remove deletes. Names are matched
// case-insensitively; the lower-cased names are computed once per table, not per request.
import type { HeaderModifierIR } from '../../../ir/index.ts';
import type { Exchange, Handler } from '../exchange.ts';

interface CompiledModifier {
  set: [name: string, value: string][];
  add: [name: string, value: string][];
  remove: string[];
}

export function compileModifier(m: HeaderModifierIR): CompiledModifier {
  return {
    set: m.set.map((s) => [s.name.toLowerCase(), s.value]),
    add: m.add.map((a) => [a.name.toLowerCase(), a.value]),
    remove: m.remove.map((r) => r.toLowerCase()),
  };
}

export function applyModifier(headers: Record<string, string | string[]>, m: CompiledModifier): void {
  for (let i = 0; i < m.set.length; i++) headers[m.set[i]![0]] = m.set[i]![1];
  for (let i = 0; i < m.add.length; i++) {
    const [name, value] = m.add[i]!;
    const cur = headers[name];
    headers[name] = cur === undefined ? value : `${Array.isArray(cur) ? cur.join(',') : cur},${value}`;
  }
  for (let i = 0; i < m.remove.length; i++) delete headers[m.remove[i]!];
}

export function requestHeaderModifierFilter(ir: HeaderModifierIR): (next: Handler) => Handler {
  const m = compileModifier(ir);
  // "host" is carried outside the header record (Exchange.upstreamHost).
  const host = m.set.find(([n]) => n === 'host')?.[1];
  return (next) => (ex: Exchange) => {
    applyModifier(ex.headers, m);
    if (host !== undefined) {
      ex.upstreamHost = host;
      delete ex.headers.host;
    }
    return next(ex);
  };
}
