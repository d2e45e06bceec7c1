// The README's table of response flags and the registry the data plane records from are one list.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RESPONSE_FLAG_MEANINGS, ResponseFlag } from '../../gateway/dataplane/response-flags.ts';

const root = resolve(import.meta.dirname, '../..');

test('every registered response flag has a meaning and a README row, and the README lists no other', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const documented = [...readme.matchAll(/^\| `(GW_ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]);
  const registered = Object.values(ResponseFlag);
  assert.equal(Object.keys(RESPONSE_FLAG_MEANINGS).sort(), [...registered].sort());
  assert.equal([...documented].sort(), [...registered].sort());
});

test('the data plane uses no GW_ERR_ code outside the registry', () => {
  const known = new Set<string>(Object.values(ResponseFlag));
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts')) for (const m of readFileSync(join(root, rel), 'utf8').matchAll(/'(GW_ERR_[A-Z_]+)'/g)) if (!known.has(m[1]!)) out.push(`${rel}: ${m[1]}`);
    }
  };
  walk('gateway');
  assert.equal(out, []);
});

test.run();
