// runtime releaseMemory(): the control process's one memory-reducing collection after its first
// configuration (serve.ts). Its effect is memory, measured by the bench, not asserted here; what
// is checked: it runs, and leaves no `gc` exposed to contexts created after it (the flag it sets
// for its own context is unset again).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runInNewContext } from 'node:vm';
import { releaseMemory } from '../../gateway/runtime/index.ts';

test('releaseMemory collects and leaves gc unexposed afterwards', () => {
  let garbage: unknown[] | undefined = Array.from({ length: 200_000 }, (_, i) => ({ i, s: `x${i}` }));
  assert.is(garbage.length, 200_000);
  garbage = undefined;
  releaseMemory();
  assert.is(runInNewContext('typeof gc'), 'undefined');
  assert.is(typeof (globalThis as { gc?: unknown }).gc, 'undefined');
});

test.run();
