// An in-process provider: the caller hands it whole object sets (tests, the conformance
// runner, embedding). It stamps metadata like the file provider does, so status carries the
// same generations and timestamps an API server would give.
import { randomUUID } from 'node:crypto';
import { fromObjects } from '../model/index.ts';
import type { Problem } from '../translator/api.ts';
import type { Provider, ProviderUpdate } from '../pipeline.ts';
import { createMetadataTracker } from './files/metadata.ts';

export interface MemoryProvider extends Provider {
  /** Replaces every object; the pipeline sees one new snapshot. */
  set(objects: unknown[], problems?: Problem[]): void;
  /** The objects as last set (with stamped metadata). */
  objects(): Record<string, any>[];
}

export function createMemoryProvider(initial: unknown[] = [], now: () => string = () => new Date().toISOString()): MemoryProvider {
  const tracker = createMetadataTracker(randomUUID);
  let current: Record<string, any>[] = [];
  let onUpdate: ((u: ProviderUpdate) => void) | undefined;
  let extraProblems: Problem[] = [];

  function load(objects: unknown[]): void {
    current = objects.filter((o): o is Record<string, any> => typeof o === 'object' && o !== null).map((o) => structuredClone(o));
    for (const o of current) o.metadata = { ...(o.metadata ?? {}) };
    tracker.stamp(current, now());
  }

  function emit(): void {
    onUpdate?.({ snapshot: fromObjects(current).snapshot, problems: extraProblems });
  }

  load(initial);
  return {
    async start(cb) { onUpdate = cb; emit(); },
    async close() { onUpdate = undefined; },
    set(objects, problems = []) {
      extraProblems = problems;
      load(objects);
      emit();
    },
    objects: () => structuredClone(current),
  };
}
