import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO, runNode, tempDir } from '../helpers/cli.ts';

// The published command: JavaScript compiled by `npm run build` (run by `npm test` before the
// suites), started by plain node with no loader.
const BIN = resolve(REPO, 'build/bin/portico.js');

async function run(args: string[], cwd: string, execArgv: string[] = []): Promise<{ code: number | null; out: string }> {
  const r = await runNode([...execArgv, BIN, ...args], { cwd, timeoutMessage: () => 'build/bin/portico.js timed out' });
  return { code: r.code, out: r.output };
}

test('package.json bin points at the compiled CLI, which exists and starts with a node shebang', () => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  assert.is(resolve(REPO, pkg.bin.portico), BIN);
  assert.ok(existsSync(BIN), 'run npm run build');
  assert.match(readFileSync(BIN, 'utf8'), /^#!\/usr\/bin\/env node\n/);
});

test('the compiled CLI runs from any directory without tsx, with the same validation as the sources', async () => {
  const d = tempDir('portico-bin-');
  try {
    writeFileSync(join(d, 'gw.yaml'), `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: apps }
spec:
  gatewayClassName: portico
  listeners: [{ name: http, port: 80, protocol: HTTP, hostname: a.example.com }]
`);
    // A loader hook that fails on any .ts module proves nothing is type-stripped at run time.
    const hook = join(d, 'no-ts.mjs');
    writeFileSync(hook, `import { registerHooks } from 'node:module';
registerHooks({ resolve(spec, ctx, next) { const r = next(spec, ctx); if (r.url.endsWith('.ts')) throw new Error('loaded TypeScript: ' + r.url); return r; } });
`);
    const ok = await run(['validate', d], d, ['--import', hook]);
    assert.is(ok.code, 0, ok.out);
    assert.match(ok.out, '0 errors');
    writeFileSync(join(d, 'gw.yaml'), 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: { name: gw }\nspec: { gatewayClassName: portico, listeners: [{ name: HTTP!, port: 80, protocol: HTTP }] }\n');
    const bad = await run(['validate', d], d);
    assert.is(bad.code, 1, bad.out);
    assert.match(bad.out, /gw\.yaml:4: Gateway default\/gw spec\.listeners\[0\]\.name: /);
    const help = await run(['help'], d);
    assert.is(help.code, 0);
    assert.match(help.out, 'usage: portico');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test.run();
