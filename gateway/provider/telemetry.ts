// What a provider reports about itself for the control-plane metrics. Optional hooks, so a
// provider runs without them (tests, validate) and needs no metrics library of its own.
export interface ProviderTelemetry {
  /** A kind is watched (once per informer), so its counters start at 0 instead of missing. */
  watching?(kind: string): void;
  /** One watch event from the API server (add, update, delete) for a kind. */
  watchEvent?(kind: string, type: 'add' | 'update' | 'delete'): void;
  /** The supervisor restarted a kind's ListWatch (failure, stall). */
  watchRestart?(kind: string): void;
  /** One status write: written, skipped (unchanged), conflict (409, retried) or failed. */
  statusWrite?(kind: string, result: 'written' | 'skipped' | 'conflict' | 'failed'): void;
  /** Leader-election state changes (and the initial state). */
  leader?(isLeader: boolean): void;
}
