// The coalescer's contract, counted rather than timed: how many runs a pattern of pokes makes and
// on which edge, with the window driven by a fake clock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createCoalescer } from '../../gateway/util/coalesce.ts';

/** Replaces setTimeout/clearTimeout with a queue this test advances by hand. */
function fakeTimers() {
  let now = 0;
  let id = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const real = { set: globalThis.setTimeout, clear: globalThis.clearTimeout };
  (globalThis as any).setTimeout = (fn: () => void, ms: number) => { timers.set(++id, { at: now + ms, fn }); return id; };
  (globalThis as any).clearTimeout = (t: number) => { timers.delete(t); };
  return {
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const next = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!next) break;
        timers.delete(next[0]);
        now = next[1].at;
        next[1].fn();
      }
      now = until;
    },
    restore() { globalThis.setTimeout = real.set; globalThis.clearTimeout = real.clear; },
  };
}

test('a lone change runs at once, on the leading edge, and nothing follows it', () => {
  const clock = fakeTimers();
  try {
    const runs: string[] = [];
    const c = createCoalescer((e) => runs.push(e), 50);
    c.poke();
    assert.equal(runs, ['leading']);
    clock.advance(1000);
    assert.equal(runs, ['leading']);
  } finally { clock.restore(); }
});

test('a burst inside the window becomes one trailing run; a long stream runs once per window', () => {
  const clock = fakeTimers();
  try {
    const runs: string[] = [];
    const c = createCoalescer((e) => runs.push(e), 50);
    c.poke(); c.poke(); c.poke();
    assert.equal(runs, ['leading']);
    clock.advance(50);
    assert.equal(runs, ['leading', 'trailing']);
    // A poke every 10 ms for 200 ms: one run per 50 ms window, never more.
    for (let t = 0; t < 200; t += 10) { c.poke(); clock.advance(10); }
    clock.advance(200);
    assert.ok(runs.length <= 2 + 200 / 50 + 1, `${runs.length} runs`);
    assert.is(runs.at(-1), 'trailing');
  } finally { clock.restore(); }
});

test('cancel drops the pending trailing run', () => {
  const clock = fakeTimers();
  try {
    const runs: string[] = [];
    const c = createCoalescer((e) => runs.push(e), 50);
    c.poke(); c.poke(); c.cancel();
    clock.advance(100);
    assert.equal(runs, ['leading']);
    c.poke();
    assert.equal(runs, ['leading', 'leading']);
  } finally { clock.restore(); }
});

test.run();
