// Compiles CRD validation rules once and caches them. "Compiles" means more than parsing: the
// evaluator binds functions lazily, so an unknown function would only surface when a rule runs
// on some input. Every call and free identifier is therefore resolved up front, and a rule that
// does not resolve is an error, never silently skipped.
import { parse, plan, type CelInput, type CelResult } from '@bufbuild/cel';
import { kubeCelEnv } from './kube-cel.ts';

type Expr = ReturnType<typeof parse>['expr'];

export interface CompiledRule {
  /** Evaluates the rule with `self` (and, for transition rules, `oldSelf`) bound. */
  run(bindings: Record<string, CelInput>): CelResult;
  /** True when the rule reads oldSelf: it can only run on updates. */
  transition: boolean;
}

// Operators the planner implements itself rather than through the function table.
const PLANNER_OPERATORS = new Set(['_?_:_', '_[_]', '_[?_]', '_?._', '_&&_', '_||_', '@not_strictly_false', '__not_strictly_false__']);
const ROOT_VARIABLES = new Set(['self', 'oldSelf']);

function qualifiedName(e: Expr | undefined): string | undefined {
  if (!e) return undefined;
  if (e.exprKind.case === 'identExpr') return e.exprKind.value.name;
  if (e.exprKind.case === 'selectExpr' && !e.exprKind.value.testOnly) {
    const base = qualifiedName(e.exprKind.value.operand);
    return base === undefined ? undefined : `${base}.${e.exprKind.value.field}`;
  }
  return undefined;
}

/** The names a rule uses that the environment cannot resolve (empty = the rule is supported). */
export function unresolved(expr: Expr): string[] {
  const funcs = kubeCelEnv().funcs;
  const missing = new Set<string>();
  const visit = (e: Expr | undefined, bound: ReadonlySet<string>): void => {
    if (!e) return;
    const k = e.exprKind;
    switch (k.case) {
      case 'identExpr':
        if (!bound.has(k.value.name) && !ROOT_VARIABLES.has(k.value.name)) missing.add(`variable ${k.value.name}`);
        return;
      case 'selectExpr':
        return visit(k.value.operand, bound);
      case 'callExpr': {
        const call = k.value;
        const qual = qualifiedName(call.target);
        // `format.dns1123Label()`: a namespaced function, not a method on a variable `format`.
        if (qual !== undefined && !bound.has(qual.split('.')[0]) && !ROOT_VARIABLES.has(qual.split('.')[0]) && funcs.find(`${qual}.${call.function}`)) {
          call.args.forEach((a) => visit(a, bound));
          return;
        }
        if (!PLANNER_OPERATORS.has(call.function) && !funcs.find(call.function)) missing.add(`function ${call.function}`);
        visit(call.target, bound);
        call.args.forEach((a) => visit(a, bound));
        return;
      }
      case 'listExpr':
        return k.value.elements.forEach((x) => visit(x, bound));
      case 'structExpr':
        return k.value.entries.forEach((en) => {
          if (en.keyKind.case === 'mapKey') visit(en.keyKind.value, bound);
          visit(en.value, bound);
        });
      case 'comprehensionExpr': {
        const c = k.value;
        visit(c.iterRange, bound);
        const inner = new Set([...bound, c.iterVar, c.accuVar, ...(c.iterVar2 ? [c.iterVar2] : [])]);
        visit(c.accuInit, bound);
        visit(c.loopCondition, inner);
        visit(c.loopStep, inner);
        visit(c.result, new Set([...bound, c.accuVar]));
        return;
      }
      default:
        return;
    }
  };
  visit(expr, new Set());
  return [...missing].sort();
}

const cache = new Map<string, CompiledRule>();

/** Compiles (or returns the cached) rule; throws with the reason when it cannot be supported. */
export function compileRule(source: string): CompiledRule {
  const hit = cache.get(source);
  if (hit) return hit;
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (err) {
    throw new Error(`CEL rule does not parse: ${(err as Error).message}: ${source}`);
  }
  const missing = unresolved(parsed.expr);
  if (missing.length > 0) throw new Error(`CEL rule uses unsupported ${missing.join(', ')}: ${source}`);
  const fn = plan(kubeCelEnv(), parsed);
  const compiled: CompiledRule = {
    run: (bindings) => fn(bindings),
    transition: /\boldSelf\b/.test(source),
  };
  cache.set(source, compiled);
  return compiled;
}
