// Admission's verdict cache (provider/files/admission.ts): validation is paid once per content,
// and a changed object is always validated again, never answered from the cache.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contentKey, createAdmission } from '../../gateway/provider/files/admission.ts';
import type { Problem } from '../../gateway/translator/api.ts';

const route = (path: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'apps' },
  spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: path } }], backendRefs: [{ name: 'svc', port: 80 }] }], ...extra },
});

test('an unchanged object is validated once; every changed version is validated again', () => {
  const seen: unknown[] = [];
  const admission = createAdmission((o) => { seen.push(o); return []; });
  const a = route('/a');
  admission.admitOne(a);
  admission.admitOne(route('/a'));
  assert.is(seen.length, 1, 'the same content (another object) is answered from the cache');
  const b = route('/b');
  admission.admitOne(b);
  assert.is(seen.length, 2);
  assert.is(seen[1], b, 'the changed version itself was validated');
  admission.admitOne(route('/a'));
  assert.is(seen.length, 3, 'going back to an earlier content is a change too');
});

test('NaN and Infinity are not confused with null (JSON cannot tell them apart)', () => {
  assert.is.not(contentKey({ x: NaN }), contentKey({ x: null }));
  assert.is.not(contentKey({ x: Infinity }), contentKey({ x: null }));
  assert.is.not(contentKey({ x: -Infinity }), contentKey({ x: Infinity }));
  assert.is(contentKey({ x: 1, y: 'null' }), JSON.stringify({ x: 1, y: 'null' }));
  let calls = 0;
  const admission = createAdmission(() => { calls++; return []; });
  admission.admitOne(route('/a', { weight: null }));
  admission.admitOne(route('/a', { weight: NaN }));
  assert.is(calls, 2);
});

test('with the real CRD validation: a bad update keeps the last admitted version, a fix is admitted again', () => {
  const admission = createAdmission();
  const good = route('/ok');
  const first = admission.admitOne(good);
  assert.is(first.object, good);
  assert.equal(first.problems, []);
  const bad = route('no-leading-slash');
  const refused = admission.admitOne(bad);
  assert.is(refused.object, good, 'the last admitted version serves');
  assert.ok(refused.problems.some((p: Problem) => p.reason === 'Rejected'));
  assert.ok(refused.lastGood && /must start with|startsWith|\//.test(refused.lastGood), refused.lastGood);
  // The same bad content again: still refused (the cached verdict is the bad one's).
  assert.is(admission.admitOne(route('no-leading-slash')).object, good);
  const fixed = route('/fixed');
  const again = admission.admitOne(fixed);
  assert.is(again.object, fixed);
  assert.equal(again.problems, []);
  // A new object that fails from its first version is not served at all.
  const fresh = admission.admitOne({ ...route('bad'), metadata: { name: 'other', namespace: 'apps' } });
  assert.is(fresh.object, undefined);
});

test('retain() forgets objects that are gone: a recreated object is validated afresh', () => {
  let calls = 0;
  const admission = createAdmission(() => { calls++; return []; });
  admission.admitOne(route('/a'));
  admission.retain(new Set());
  admission.admitOne(route('/a'));
  assert.is(calls, 2);
});

test.run();
