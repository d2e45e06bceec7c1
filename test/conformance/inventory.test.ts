// The case set is complete: one file per upstream v1.6.1 test of the claimed profiles, in cases/ (run by CI)
// or cases-pending/ (derived, not passing yet), each agreeing with upstream on the facts the Go test declares.
// upstream/inventory.json lists every test of conformance/tests/*.go (ShortName, file, Features,
// Manifests, Provisional) as of v1.6.1; the mesh tests live under conformance/tests/mesh and are not claimed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseSpec } from './case-types.ts';

const HERE = import.meta.dirname;
interface InventoryEntry { name: string; upstream: string; features: string[]; manifests: string[]; provisional: boolean }
const inventory: InventoryEntry[] = JSON.parse(readFileSync(join(HERE, 'upstream/inventory.json'), 'utf8'));

function load(dir: string): { file: string; spec: CaseSpec }[] {
  const d = join(HERE, dir);
  if (!existsSync(d)) return [];
  return readdirSync(d).filter((f) => f.endsWith('.json')).sort()
    .map((f) => ({ file: `${dir}/${f}`, spec: JSON.parse(readFileSync(join(d, f), 'utf8')) as CaseSpec }));
}

const active = load('cases');
const pending = load('cases-pending');

test('every upstream test has exactly one case file (cases/ or cases-pending/)', () => {
  const seen = new Map<string, string>();
  for (const { file, spec } of [...active, ...pending]) {
    assert.is(file.split('/').pop(), `${spec.name}.json`, `${file}: file name must be the ShortName`);
    assert.not.ok(seen.has(spec.name), `${spec.name} appears twice (${seen.get(spec.name)} and ${file})`);
    seen.set(spec.name, file);
  }
  const missing = inventory.filter((i) => !seen.has(i.name)).map((i) => i.name);
  assert.equal(missing, [], `upstream tests without a case: ${missing.join(', ')}`);
  const extra = [...seen.keys()].filter((n) => !inventory.some((i) => i.name === n));
  assert.equal(extra, [], `cases that are no upstream test: ${extra.join(', ')}`);
});

test('each case names its upstream Go file and keeps its Features, Manifests and Provisional flag', () => {
  for (const { file, spec } of [...active, ...pending]) {
    const up = inventory.find((i) => i.name === spec.name);
    if (!up) continue; // reported above
    assert.is(spec.upstream, up.upstream, `${file}: upstream`);
    assert.equal([...spec.features].sort(), [...up.features].sort(), `${file}: features`);
    assert.equal(spec.manifests, up.manifests, `${file}: manifests`);
    assert.is(spec.provisional, up.provisional, `${file}: provisional`);
    for (const m of spec.manifests) assert.ok(existsSync(join(HERE, 'upstream', m)), `${file}: manifest ${m} is not vendored`);
  }
});

test.run();
