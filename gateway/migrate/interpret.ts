// Runs the emitted program against the real constructs (`--format yaml`, and the check that the
// program synthesizes). Only the calls code.ts can express exist, so this is a walk over the
// statements with a symbol table, not a general evaluator.
import { App, Duration } from 'cdk8s';
import * as portico from '../../constructs/index.ts';
import type { Expr, Stmt } from './code.ts';

const SYMBOLS: Record<string, unknown> = { ...portico, App, Duration };

export interface InterpretOptions {
  /** Validation warnings (Services and Secrets assumed to exist) are not printed; the caller reports them. */
  readonly quiet?: boolean;
}

/** Runs `program` and returns its variables; `app` is the cdk8s App. */
export function interpret(program: Stmt[], options: InterpretOptions = {}): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  const resolve = (path: string): { value: unknown; self: unknown } => {
    const [head, ...rest] = path.split('.');
    if (!Object.hasOwn(SYMBOLS, head)) throw new Error(`the emitted app uses ${head}, which Portico does not export`);
    let self: unknown;
    let value = SYMBOLS[head];
    for (const p of rest) { self = value; value = (value as Record<string, unknown>)[p]; }
    return { value, self };
  };
  const ev = (e: Expr): unknown => {
    switch (e.k) {
      case 'lit': return e.v;
      case 'arr': return e.items.map(ev);
      case 'obj': return Object.fromEntries(e.entries.map(([k, v]) => [k, ev(v)]));
      case 'var':
        if (!Object.hasOwn(vars, e.name)) throw new Error(`the emitted app uses ${e.name} before declaring it`);
        return vars[e.name];
      case 'sym': return resolve(e.path).value;
      case 'call': {
        const { value, self } = resolve(e.fn);
        return (value as (...a: unknown[]) => unknown).apply(self, e.args.map(ev));
      }
      case 'invoke': {
        const target = vars[e.target] as Record<string, (...a: unknown[]) => unknown>;
        return target[e.method](...e.args.map(ev));
      }
      case 'new': {
        const Cls = resolve(e.cls).value as new (...a: unknown[]) => unknown;
        const args = e.args.map(ev);
        if (options.quiet && (e.cls === 'Platform' || e.cls === 'TenantChart')) {
          const props = (args[2] ?? {}) as Record<string, unknown>;
          args[2] = { ...props, validation: { ...(props.validation as object), printWarnings: false } };
        }
        return new Cls(...args);
      }
    }
  };
  for (const s of program) {
    if (s.k !== 'do') continue;
    const v = ev(s.expr);
    if (s.name) vars[s.name] = v;
  }
  return vars;
}

/** The manifests the program synthesizes (validation runs, as in `cdk8s synth`). */
export function synthesize(program: Stmt[], options: InterpretOptions = {}): string {
  const { app } = interpret(program, options);
  if (!(app instanceof App)) throw new Error('the emitted program declares no App named app');
  return app.synthYaml();
}
