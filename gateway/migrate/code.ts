// The emitted cdk8s app as a small program: statements of construct calls over plain values.
// One model, two renderings: print-ts.ts prints it as the TypeScript a platform team reviews and
// owns, and interpret.ts runs the same calls against the real constructs for `--format yaml`.
// So the YAML is by construction what the TypeScript synthesizes.

/** An expression of the emitted program. */
export type Expr =
  | { k: 'lit'; v: string | number | boolean }
  | { k: 'arr'; items: Expr[] }
  | { k: 'obj'; entries: [string, Expr][] }
  /** A variable declared by an earlier statement. */
  | { k: 'var'; name: string }
  /** An exported symbol, possibly dotted: `ListenerProtocol.HTTP`. */
  | { k: 'sym'; path: string }
  /** A call of an exported function or static method: `PathMatch.prefix('/')`. */
  | { k: 'call'; fn: string; args: Expr[] }
  /** A method call on a variable: `gateway.addListener({...})`. */
  | { k: 'invoke'; target: string; method: string; args: Expr[] }
  /** `new Class(args)`. */
  | { k: 'new'; cls: string; args: Expr[] };

export type Stmt =
  | { k: 'comment'; text: string }
  | { k: 'blank' }
  /** `const name = expr;` (or just `expr;` without a name); `type` annotates the constant. */
  | { k: 'do'; name?: string; type?: string; expr: Expr };

export const lit = (v: string | number | boolean): Expr => ({ k: 'lit', v });
export const arr = (items: Expr[]): Expr => ({ k: 'arr', items });
export const ref = (name: string): Expr => ({ k: 'var', name });
export const sym = (path: string): Expr => ({ k: 'sym', path });
export const call = (fn: string, ...args: Expr[]): Expr => ({ k: 'call', fn, args });
export const invoke = (target: string, method: string, ...args: Expr[]): Expr => ({ k: 'invoke', target, method, args });
export const construct = (cls: string, ...args: Expr[]): Expr => ({ k: 'new', cls, args });

/** An object literal; undefined values are left out, so optional fields read naturally at call sites. */
export function obj(fields: Record<string, Expr | undefined>): Expr {
  return { k: 'obj', entries: Object.entries(fields).filter((e): e is [string, Expr] => e[1] !== undefined) };
}

/** A plain JSON-like value (strings, numbers, booleans, arrays, records) as an expression. */
export function value(v: unknown): Expr {
  if (Array.isArray(v)) return arr(v.map(value));
  if (v !== null && typeof v === 'object') return obj(Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x === undefined ? undefined : value(x)])));
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return lit(v);
  throw new Error(`cannot express ${String(v)} in the emitted app`);
}

/** The exported names a program uses, split by the module they come from. */
export function symbolsUsed(program: Stmt[]): Set<string> {
  const out = new Set<string>();
  const walk = (e: Expr): void => {
    switch (e.k) {
      case 'arr': e.items.forEach(walk); break;
      case 'obj': e.entries.forEach(([, x]) => walk(x)); break;
      case 'sym': out.add(e.path.split('.')[0]); break;
      case 'call': out.add(e.fn.split('.')[0]); e.args.forEach(walk); break;
      case 'invoke': e.args.forEach(walk); break;
      case 'new': out.add(e.cls); e.args.forEach(walk); break;
      default: break;
    }
  };
  for (const s of program) {
    if (s.k !== 'do') continue;
    walk(s.expr);
    if (s.type) out.add(s.type);
  }
  return out;
}
