// The file provider's metadata stamping (provider/files/metadata.ts): generation follows the spec,
// resourceVersion any change, and neither moves when only the key order of a file changes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMetadataTracker, stableJson } from '../../gateway/provider/files/metadata.ts';

test('stableJson is the same for key orders and differs for values', () => {
  assert.is(stableJson({ a: 1, b: { c: [1, { d: 2, e: 3 }] } }), stableJson({ b: { c: [1, { e: 3, d: 2 }] }, a: 1 }));
  assert.is.not(stableJson({ a: [1, 2] }), stableJson({ a: [2, 1] }));
  assert.is.not(stableJson({ a: '1' }), stableJson({ a: 1 }));
  assert.is(stableJson({ a: undefined, b: null }), '{"b":null}');
  assert.is(stableJson([undefined]), '[null]');
});

test('generation moves with the spec, resourceVersion with any change, neither with key order', () => {
  let n = 0;
  const t = createMetadataTracker(() => `uid-${++n}`);
  const obj = (spec: unknown, labels: Record<string, string> = {}): Record<string, any> => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'a', labels }, spec });
  const a = obj({ ports: [{ port: 80, name: 'p' }] });
  t.stampOne(a, 't0');
  assert.equal([a.metadata.generation, a.metadata.resourceVersion, a.metadata.uid], [1, '1', 'uid-1']);
  const reordered = obj({ ports: [{ name: 'p', port: 80 }] });
  t.stampOne(reordered, 't1');
  assert.equal([reordered.metadata.generation, reordered.metadata.resourceVersion], [1, '1']);
  const labelled = obj({ ports: [{ port: 80, name: 'p' }] }, { team: 'x' });
  t.stampOne(labelled, 't2');
  assert.equal([labelled.metadata.generation, labelled.metadata.resourceVersion], [1, '2']);
  const changed = obj({ ports: [{ port: 81, name: 'p' }] }, { team: 'x' });
  t.stampOne(changed, 't3');
  assert.equal([changed.metadata.generation, changed.metadata.resourceVersion, changed.metadata.uid], [2, '3', 'uid-1']);
});

test.run();
