// Prints the emitted program as TypeScript: imports first, then one statement per line, objects
// broken over lines only when they do not fit, so the app reads like one written by hand.
import { symbolsUsed, type Expr, type Stmt } from './code.ts';

const WIDTH = 110;
/** Names the program takes from cdk8s; everything else comes from Portico. */
const CDK8S = new Set(['App', 'Duration']);

export interface PrintOptions {
  /** Module the Portico constructs are imported from. @default 'portico' */
  readonly porticoModule?: string;
  /** Comment lines at the top of the file. */
  readonly header?: string[];
}

export function printProgram(program: Stmt[], options: PrintOptions = {}): string {
  const used = [...symbolsUsed(program)].sort();
  const fromCdk8s = used.filter((s) => CDK8S.has(s));
  const fromPortico = used.filter((s) => !CDK8S.has(s));
  const lines: string[] = [...(options.header ?? []).map((h) => `// ${h}`.trimEnd())];
  if (fromCdk8s.length > 0) lines.push(importLine(fromCdk8s, 'cdk8s'));
  if (fromPortico.length > 0) lines.push(importLine(fromPortico, options.porticoModule ?? 'portico'));
  lines.push('');
  for (const s of program) {
    if (s.k === 'blank') lines.push('');
    else if (s.k === 'comment') lines.push(...s.text.split('\n').map((t) => `// ${t}`.trimEnd()));
    else {
      const head = s.name ? `const ${s.name}${s.type ? `: ${s.type}` : ''} = ` : '';
      lines.push(`${head}${fmt(s.expr, 0, head.length)};`);
    }
  }
  if (program.some((s) => s.k === 'do' && s.name === 'app')) lines.push('', 'app.synth();');
  return `${lines.join('\n')}\n`;
}

function importLine(names: string[], from: string): string {
  const flat = `import { ${names.join(', ')} } from '${from}';`;
  if (flat.length <= WIDTH) return flat;
  return `import {\n  ${wrapList(names, 2)}\n} from '${from}';`;
}

function wrapList(names: string[], indent: number): string {
  const rows: string[] = [];
  let row = '';
  for (const n of names) {
    const next = row === '' ? `${n},` : `${row} ${n},`;
    if (indent + next.length > WIDTH && row !== '') { rows.push(row); row = `${n},`; } else row = next;
  }
  if (row !== '') rows.push(row);
  return rows.join(`\n${' '.repeat(indent)}`);
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function key(k: string): string {
  return IDENT.test(k) ? k : quote(k);
}

function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** One line, no breaks. */
function flat(e: Expr): string {
  switch (e.k) {
    case 'lit': return typeof e.v === 'string' ? quote(e.v) : String(e.v);
    case 'arr': return `[${e.items.map(flat).join(', ')}]`;
    case 'obj': return e.entries.length === 0 ? '{}' : `{ ${e.entries.map(([k, v]) => (v.k === 'var' && v.name === k ? k : `${key(k)}: ${flat(v)}`)).join(', ')} }`;
    case 'var': return e.name;
    case 'sym': return e.path;
    case 'call': return `${e.fn}(${e.args.map(flat).join(', ')})`;
    case 'invoke': return `${e.target}.${e.method}(${e.args.map(flat).join(', ')})`;
    case 'new': return `new ${e.cls}(${e.args.map(flat).join(', ')})`;
  }
}

/** `indent` is the line's indentation, `used` the columns already taken on the first line. */
function fmt(e: Expr, indent: number, used: number): string {
  const one = flat(e);
  if (indent + used + one.length <= WIDTH) return one;
  const pad = ' '.repeat(indent + 2);
  const close = ' '.repeat(indent);
  switch (e.k) {
    case 'arr':
      return `[\n${e.items.map((x) => `${pad}${fmt(x, indent + 2, 0)},`).join('\n')}\n${close}]`;
    case 'obj':
      return `{\n${e.entries.map(([k, v]) => {
        if (v.k === 'var' && v.name === k) return `${pad}${k},`;
        const head = `${key(k)}: `;
        return `${pad}${head}${fmt(v, indent + 2, head.length)},`;
      }).join('\n')}\n${close}}`;
    case 'call': return `${e.fn}(${args(e.args, indent, used + e.fn.length + 1)})`;
    case 'invoke': return `${e.target}.${e.method}(${args(e.args, indent, used + e.target.length + e.method.length + 2)})`;
    case 'new': return `new ${e.cls}(${args(e.args, indent, used + e.cls.length + 5)})`;
    default: return one;
  }
}

/** Arguments: short leading ones stay on the line, the last (usually an object) breaks. */
function args(list: Expr[], indent: number, used: number): string {
  if (list.length === 0) return '';
  const lead = list.slice(0, -1).map(flat);
  const head = lead.length > 0 ? `${lead.join(', ')}, ` : '';
  return `${head}${fmt(list[list.length - 1], indent, used + head.length)}`;
}
