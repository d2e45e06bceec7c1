// Turns a stream of change notifications into work: a lone change is handled at once (leading
// edge), and changes that arrive while a window is open are handled together when it closes
// (trailing edge), one window after another while they keep coming. A single edit then costs no
// fixed delay, a burst costs at most one window of latency, and the work never runs more than
// twice per window.

export interface Coalescer {
  /** Something changed. */
  poke(): void;
  /** Drops a pending trailing run (shutdown). */
  cancel(): void;
}

export function createCoalescer(run: (edge: 'leading' | 'trailing') => void, windowMs: number): Coalescer {
  let window: ReturnType<typeof setTimeout> | undefined;
  let pending = false;
  const close = () => {
    window = undefined;
    if (!pending) return;
    pending = false;
    open();
    run('trailing');
  };
  const open = () => { window = setTimeout(close, windowMs); };
  return {
    poke() {
      if (window !== undefined) { pending = true; return; }
      open();
      run('leading');
    },
    cancel() {
      clearTimeout(window);
      window = undefined;
      pending = false;
    },
  };
}
