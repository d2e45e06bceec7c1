import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMemoryProvider } from '../../gateway/provider/memory.ts';
import type { ProviderUpdate } from '../../gateway/pipeline.ts';

const svc = (port: number, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'apps', labels }, spec: { ports: [{ port }] },
});

test('set() delivers a snapshot per call and stamps metadata like the file provider', async () => {
  const updates: ProviderUpdate[] = [];
  const p = createMemoryProvider([svc(80)]);
  await p.start((u) => updates.push(u));
  assert.is(updates.length, 1);
  const first = updates[0].snapshot.services[0].metadata;
  assert.is(first.generation, 1);
  p.set([svc(80, { a: 'b' })]);
  assert.is(updates[1].snapshot.services[0].metadata.generation, 1, 'labels are not spec');
  p.set([svc(81, { a: 'b' })]);
  const third = updates[2].snapshot.services[0].metadata;
  assert.is(third.generation, 2);
  assert.is(third.uid, first.uid);
  // Objects handed back from objects() keep their identity but not a stale generation.
  p.set(p.objects().map((o) => ({ ...o, spec: { ports: [{ port: 82 }] } })));
  assert.is(updates[3].snapshot.services[0].metadata.generation, 3);
  p.set([]);
  p.set([svc(80)]);
  assert.is.not(updates[5].snapshot.services[0].metadata.uid, first.uid, 'a re-created object is a new object');
  await p.close();
});

test.run();
