// A latest-wins box between pipeline stages: a burst of puts while the consumer is busy
// collapses into one value, so a slow stage never works through a backlog of stale states.

export interface Channel<T> {
  /** Replaces any value not yet taken. */
  put(value: T): void;
  /** Resolves with the newest value once there is one; undefined after close(). */
  take(): Promise<T | undefined>;
  close(): void;
  readonly closed: boolean;
}

export function createChannel<T>(): Channel<T> {
  let pending: { value: T } | undefined;
  let waiter: ((v: T | undefined) => void) | undefined;
  let closed = false;
  return {
    put(value) {
      if (closed) return;
      if (waiter) {
        const w = waiter;
        waiter = undefined;
        w(value);
      } else {
        pending = { value };
      }
    },
    take() {
      if (pending) {
        const { value } = pending;
        pending = undefined;
        return Promise.resolve(value);
      }
      if (closed) return Promise.resolve(undefined);
      return new Promise((resolve) => { waiter = resolve; });
    },
    close() {
      closed = true;
      pending = undefined;
      if (waiter) {
        const w = waiter;
        waiter = undefined;
        w(undefined);
      }
    },
    get closed() { return closed; },
  };
}
