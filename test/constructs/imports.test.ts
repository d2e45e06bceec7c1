// The generated L1s must be exactly what `npm run import` produces from the vendored CRDs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { gwapi } from '../../constructs/index.ts';

const root = resolve(import.meta.dirname, '../..');

test('constructs/imports and constructs/runtime/imports match a fresh cdk8s import of crds/experimental and crds/third-party', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/import-crds.ts'), '--check'], {
    cwd: root, encoding: 'utf8', timeout: 300_000, // a bound for a hung import, not a speed check: on a busy 2-core box it takes over 90 s
  });
  assert.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /constructs\/imports is up to date/);
  assert.match(r.stdout, /constructs\/runtime\/imports is up to date/);
});

test('the L1 namespace exposes every kind at its served version', () => {
  assert.equal(gwapi.httproutes.HttpRoute.GVK, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' });
  assert.equal(gwapi.listenersets.ListenerSet.GVK.apiVersion, 'gateway.networking.k8s.io/v1');
  assert.equal(gwapi.xbackendtrafficpolicies.XBackendTrafficPolicy.GVK.apiVersion, 'gateway.networking.x-k8s.io/v1alpha1');
});

test.run();
