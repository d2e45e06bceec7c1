// TrafficPolicy circuitBreaker.retryBudget (Envoy's retry_budget): retries in flight to a
// backend may be at most `percent` of its active requests, and never fewer than
// minRetryConcurrency. It keeps retries from multiplying the load on a backend that is already
// failing. Counts are per backend id and per process.
import type { BackendIR, CircuitBreakerIR } from '../../ir/index.ts';

type Budget = CircuitBreakerIR['retryBudget'];

interface Counts {
  active: number;
  retries: number;
}

const byBackend = new Map<string, Counts>();

function counts(id: string): Counts {
  let c = byBackend.get(id);
  if (c === undefined) byBackend.set(id, (c = { active: 0, retries: 0 }));
  return c;
}

/** Counts a request to a budgeted backend as active; call the result when it ends. */
export function beginBudgeted(b: BackendIR): () => void {
  const c = counts(b.id);
  c.active++;
  return () => {
    c.active--;
    if (c.active <= 0 && c.retries <= 0) byBackend.delete(b.id);
  };
}

/** Whether one more retry would fit the budget now (without counting it). */
export function retryFits(b: BackendIR, budget: Budget): boolean {
  if (budget === undefined) return true;
  const c = counts(b.id);
  return c.retries < Math.max(budget.minRetryConcurrency, Math.floor((c.active * budget.percent) / 100));
}

/** Whether one more retry fits the budget; when it does it is counted until the returned release. */
export function tryRetry(b: BackendIR, budget: Budget): (() => void) | undefined {
  if (budget === undefined) return () => {};
  const c = counts(b.id);
  const allowed = Math.max(budget.minRetryConcurrency, Math.floor((c.active * budget.percent) / 100));
  if (c.retries >= allowed) return undefined;
  c.retries++;
  return () => {
    c.retries--;
  };
}
