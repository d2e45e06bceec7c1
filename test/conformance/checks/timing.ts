// upstream's timing rules: eventual consistency (N consecutive successes within
// MaxTimeToConsistency, 1 s pause after a failure) and bounded parallelism.

export interface Timing {
  maxTimeMs: number;
  threshold: number;
  pauseMs: number;
}

export const DEFAULT_TIMING: Timing = { maxTimeMs: 30000, threshold: 3, pauseMs: 1000 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs probe until it succeeds `threshold` times in a row; the last failure is the reason. */
export async function eventually(probe: () => Promise<string | undefined>, t: Timing = DEFAULT_TIMING): Promise<string | undefined> {
  const deadline = Date.now() + t.maxTimeMs;
  let streak = 0;
  let last = 'no attempt';
  while (Date.now() < deadline) {
    let err: string | undefined;
    try { err = await probe(); } catch (e) { err = (e as Error).message; }
    if (err === undefined) {
      if (++streak >= t.threshold) return undefined;
      continue;
    }
    streak = 0;
    last = err;
    await sleep(t.pauseMs);
  }
  return `not consistent within ${Math.round(t.maxTimeMs / 1000)} s: ${last}`;
}

/** Maps over items with at most `limit` in flight, keeping order. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The backend (Deployment) a pod name belongs to: Kubernetes appends `-<hash>-<suffix>`. */
export function backendOfPod(pod: string): string {
  return pod.split('-').slice(0, -2).join('-');
}

/**
 * upstream's weighted-distribution acceptance: every answering backend is expected, exactly the
 * backends with weight > 0 are seen, and each share is within `tolerance` of its weight.
 */
export function checkDistribution(seen: Record<string, number>, weights: Record<string, number>, tolerance = 0.05): string | undefined {
  const total = Object.values(seen).reduce((a, b) => a + b, 0);
  if (total === 0) return 'no answers';
  for (const b of Object.keys(seen)) if (!(b in weights)) return `unexpected backend ${b}`;
  for (const [b, w] of Object.entries(weights)) {
    const n = seen[b] ?? 0;
    if (w === 0 && n > 0) return `backend ${b} has weight 0 but got ${n} requests`;
    if (w > 0 && n === 0) return `backend ${b} got no requests`;
    const share = n / total;
    if (Math.abs(share - w) > tolerance + 1e-9) return `backend ${b}: share ${share.toFixed(3)} outside ${w} ± ${tolerance}`;
  }
  return undefined;
}
