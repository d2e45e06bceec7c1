import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '../../bin/portico.mjs');

function run(args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error('bin/portico.mjs timed out')); }, 20000);
    child.on('close', (code) => { clearTimeout(timer); done({ code, out }); });
  });
}

test('bin/portico.mjs runs the TypeScript CLI from any directory, with the same validation as tsx', async () => {
  const d = mkdtempSync(join(tmpdir(), 'portico-bin-'));
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
