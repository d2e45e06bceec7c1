// The README's construct example is real code: it must synthesize, with validation, as shown.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = resolve(import.meta.dirname, '../..');

test('the README construct example synthesizes with validation and yields its route', async () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'README has a ts example');
  // Inside the repo so that 'cdk8s' and friends resolve from node_modules.
  const cache = join(root, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'portico-readme-'));
  try {
    const code = block!
      .replace("from 'portico';", `from ${JSON.stringify(pathToFileURL(join(root, 'constructs/index.ts')).href)};`)
      .replace('const app = new App();', `const app = new App({ outdir: ${JSON.stringify(dir)} });`)
      .replace('app.synth();', 'export const yaml = app.synthYaml();');
    const file = join(dir, 'example.ts');
    writeFileSync(file, code);
    const mod = await import(pathToFileURL(file).href);
    assert.match(mod.yaml, /kind: HTTPRoute/);
    assert.match(mod.yaml, /x-canary/);
    assert.match(mod.yaml, /request: 300ms/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
