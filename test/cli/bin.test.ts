import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runNode, tempDir } from '../helpers/cli.ts';

const BIN = resolve(import.meta.dirname, '../../bin/portico.mjs');

async function run(args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  const r = await runNode([BIN, ...args], { cwd, timeoutMessage: () => 'bin/portico.mjs timed out' });
  return { code: r.code, out: r.output };
}

test('bin/portico.mjs runs the TypeScript CLI from any directory, with the same validation as tsx', async () => {
  const d = tempDir('portico-bin-');
  try {
    writeFileSync(join(d, 'gw.yaml'), `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: apps }
spec:
  gatewayClassName: portico
  listeners: [{ name: http, port: 80, protocol: HTTP, hostname: a.example.com }]
`);
    const ok = await run(['validate', d], d);
    assert.is(ok.code, 0, ok.out);
    assert.match(ok.out, '0 errors');
    writeFileSync(join(d, 'gw.yaml'), 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: { name: gw }\nspec: { gatewayClassName: portico, listeners: [{ name: HTTP!, port: 80, protocol: HTTP }] }\n');
    const bad = await run(['validate', d], d);
    assert.is(bad.code, 1, bad.out);
    assert.match(bad.out, /gw\.yaml: Gateway default\/gw spec\.listeners\[0\]\.name: /);
    const help = await run(['help'], d);
    assert.is(help.code, 0);
    assert.match(help.out, 'usage: portico');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test.run();
