// Backend and endpoint selection. Both are deterministic rotations rather than random draws:
// the weighted split is exact over any window of sum(weights) picks (the conformance check is
// ±5 % over 500 samples) and costs a few integer operations per request.
import type { BackendIR, EndpointIR } from '../../ir/index.ts';

/**
 * Smooth weighted round-robin (the nginx algorithm): each pick adds every weight to its
 * running score, takes the highest and subtracts the total from it. Weight-0 backends are
 * never picked; with no positive weight the picker returns undefined (the rule answers 500).
 */
export function createWeightedPicker<T extends BackendIR>(backends: readonly T[]): () => T | undefined {
  const live = backends.filter((b) => b.weight > 0);
  if (live.length === 0) return () => undefined;
  if (live.length === 1) {
    const only = live[0]!;
    return () => only;
  }
  const weights = live.map((b) => b.weight);
  const total = weights.reduce((a, b) => a + b, 0);
  const score = new Array<number>(live.length).fill(0);
  return () => {
    let best = 0;
    for (let i = 0; i < live.length; i++) {
      score[i]! += weights[i]!;
      if (score[i]! > score[best]!) best = i;
    }
    score[best]! -= total;
    return live[best];
  };
}

// Keyed by backend id (stable across tables) so a reload does not restart every rotation.
const cursors = new Map<string, number>();

/** Round-robin over the backend's endpoints; undefined when it has none. */
export function pickEndpoint(backend: BackendIR): EndpointIR | undefined {
  const eps = backend.endpoints;
  const n = eps.length;
  if (n === 0) return undefined;
  if (n === 1) return eps[0];
  const i = cursors.get(backend.id) ?? 0;
  cursors.set(backend.id, i + 1 >= n ? 0 : i + 1);
  return eps[i >= n ? i % n : i];
}

/** Forgets rotations of backends that are no longer in the table. */
export function retainCursors(ids: ReadonlySet<string>): void {
  for (const id of cursors.keys()) if (!ids.has(id)) cursors.delete(id);
}
