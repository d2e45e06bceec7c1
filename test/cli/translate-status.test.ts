import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import { parse } from 'yaml';
import { tempDir, withTempDir } from '../helpers/cli.ts';
import { GATEWAY_CLASS, httpGateway } from '../helpers/manifests.ts';
import { runCli } from './run-cli.ts';
import { serve } from '../e2e/serve-process.ts';
import { waitFor } from '../provider/wait.ts';

const app = `${GATEWAY_CLASS}---
${httpGateway('gw', 'apps')}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: apps }
spec:
  parentRefs: [{ name: gw }]
  rules: [{ backendRefs: [{ name: web, port: 80 }] }]
`;

test('translate prints the table, statuses and problems as YAML', async () => {
  await withTempDir('portico-translate-', { 'app.yaml': app }, async (d) => {
    const r = await runCli(['translate', d]);
    // The table is printed all the same; exit 1 says problems were found (the missing Service).
    assert.is(r.code, 1, r.stderr);
    const out = parse(r.stdout);
    assert.is(out.table.gateways[0].key, 'apps/gw');
    assert.ok(out.statuses.some((s: any) => s.ref.kind === 'HTTPRoute'));
    // Without --assume-external the missing Service is a real BackendNotFound.
    assert.ok(out.problems.some((p: any) => p.reason === 'BackendNotFound'), r.stdout);
    const assumed = parse((await runCli(['translate', '--assume-external', d])).stdout);
    assert.not.ok(assumed.problems.some((p: any) => p.reason === 'BackendNotFound'));
    assert.ok(assumed.problems.some((p: any) => p.reason === 'AssumedExternal'));
  });
});

test('translate --decisions prints per parentRef which listener took the route or why not, and per reference its grant', async () => {
  // Given a route with two parentRefs (one names a listener that does not exist) and a
  // cross-namespace backend allowed by a ReferenceGrant
  const manifests = `${GATEWAY_CLASS}---
${httpGateway('gw', 'apps')}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: apps }
spec:
  parentRefs: [{ name: gw }, { name: gw, sectionName: nope }]
  rules: [{ backendRefs: [{ name: db, namespace: data, port: 80 }] }]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: { name: apps-to-db, namespace: data }
spec:
  from: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: apps }]
  to: [{ group: '', kind: Service, name: db }]
`;
  await withTempDir('portico-translate-decisions-', { 'app.yaml': manifests }, async (d) => {
    // When translated without and with --decisions (JSON)
    const plain = JSON.parse((await runCli(['translate', '--assume-external', '-o', 'json', d])).stdout);
    const r = await runCli(['translate', '--assume-external', '--decisions', '-o', 'json', d]);
    const out = JSON.parse(r.stdout);
    // Then only --decisions adds them, beside the same table and statuses
    assert.is(plain.decisions, undefined);
    assert.equal(out.table, plain.table);
    const parents = out.decisions.parents.filter((p: any) => p.route.kind === 'HTTPRoute' && p.route.name === 'web');
    assert.equal(parents.map((p: any) => [p.field, p.accepted, p.reason]), [
      ['spec.parentRefs[0]', true, 'Accepted'],
      ['spec.parentRefs[1]', false, 'NoMatchingParent'],
    ], JSON.stringify(parents, null, 2));
    assert.equal(parents[0].listeners.map((l: any) => [l.name, l.attached]), [['http', true]]);
    const backend = out.decisions.references.find((x: any) => x.from.name === 'web' && x.to.kind === 'Service');
    assert.equal([backend.to.namespace, backend.to.name, backend.permitted, backend.grant], ['data', 'db', true, { namespace: 'data', name: 'apps-to-db' }]);
    // And YAML carries the same decisions
    const yaml = parse((await runCli(['translate', '--assume-external', '--decisions', d])).stdout);
    assert.equal(yaml.decisions, out.decisions);
  });
});

test('status prints the conditions of a running gateway as a table', async () => {
  const d = tempDir('portico-status-', { 'app.yaml': app });
  const gw = serve(['--manifests', d, '--port-offset', '0', '--bind', '127.0.0.1', '--admin', '127.0.0.1:0', '--access-log', 'off', '--gateway', 'apps/none']);
  try {
    const admin = await waitFor(() => gw.admin(), 15000, `admin address\n${gw.stderr()}`);
    // One CLI run at a time (a child per poll tick would pile up on a busy machine), until the
    // gateway has applied its first config.
    let status = await runCli(['status', '--admin', admin]);
    for (let i = 0; i < 30 && !status.stdout.includes('GatewayClass'); i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = await runCli(['status', '--admin', admin]);
    }
    const text = status.stdout;
    // Only apps/none is served: the route is not translated, so there is no problem to report.
    assert.is(status.code, 0, status.stdout + status.stderr);
    const lines = text.trim().split('\n');
    assert.match(lines[0], /^KIND\s+NAME\s+GEN\s+SCOPE\s+TYPE\s+STATUS\s+REASON\s+OBSERVED$/);
    assert.ok(lines.some((l) => /^GatewayClass\s+portico\s+1\s+Accepted\s+True\s+Accepted\s+1$/.test(l)), text);
  } finally {
    await gw.stop();
    rmSync(d, { recursive: true, force: true });
  }
});

test.run();
