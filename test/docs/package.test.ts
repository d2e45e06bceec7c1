// What users install must be exactly what the shipped code needs: every package the compiled
// library and CLI import is a dependency (or a peer: cdk8s, constructs), and every dependency is
// imported by shipped code (test-only and example-only packages are devDependencies).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const SHIPPED = ['constructs', 'gateway', 'bin'];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sources(full));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** Package names imported (statically, dynamically, or as a type) by the shipped sources. */
function importedPackages(): Map<string, string> {
  const found = new Map<string, string>();
  // `import x from 'p'` / `export ... from 'p'` (also across lines), `import 'p'`, `import('p')`.
  const spec = /^\s*(?:import|export)\b[^;'"]*?\bfrom\s+['"]([^'"./][^'"]*)['"]|^\s*import\s+['"]([^'"./][^'"]*)['"]|\bimport\(\s*['"]([^'"./][^'"]*)['"]\s*\)/gm;
  for (const file of SHIPPED.flatMap((d) => sources(join(root, d)))) {
    for (const m of readFileSync(file, 'utf8').matchAll(spec)) {
      const s = (m[1] ?? m[2] ?? m[3])!;
      if (s.startsWith('node:')) continue;
      const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!;
      if (!found.has(name)) found.set(name, file.slice(root.length + 1));
    }
  }
  return found;
}

test('every package the shipped code imports is a dependency or a peer dependency', () => {
  const runtime = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
  const missing = [...importedPackages()].filter(([name]) => !runtime.has(name)).map(([name, file]) => `${name} (imported by ${file})`);
  assert.equal(missing, [], `imported but not installed for users: ${missing.join(', ')}`);
});

test('every dependency is used by the shipped code (tests and the example app use devDependencies)', () => {
  const used = importedPackages();
  const unused = Object.keys(pkg.dependencies ?? {}).filter((d) => !used.has(d));
  assert.equal(unused, [], `dependencies no shipped module imports: ${unused.join(', ')}`);
});

test('cdk8s and constructs are peer dependencies, so an app and Portico share one copy', () => {
  assert.ok(pkg.peerDependencies?.cdk8s && pkg.peerDependencies?.constructs);
  assert.not.ok(pkg.dependencies?.cdk8s);
  assert.not.ok(pkg.dependencies?.constructs);
});

test.run();
