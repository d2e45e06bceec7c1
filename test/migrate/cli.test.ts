// `portico migrate` as a user runs it: exit codes by the CLI conventions, stdin, --out, --format.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withTempDir } from '../helpers/cli.ts';
import { runCli } from '../cli/run-cli.ts';

const clean = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: web, namespace: team }
spec:
  ingressClassName: nginx
  rules:
    - host: web.example.com
      http:
        paths:
          - { path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: ingress-nginx-controller, namespace: ingress-nginx }
data: { proxy-body-size: "0" }
`;
const lossy = clean.replace('metadata: { name: web, namespace: team }', 'metadata: { name: web, namespace: team, annotations: { nginx.ingress.kubernetes.io/server-snippet: "return 418;" } }');

test('exit 0 when everything converts; the app on stdout, the report on stderr', async () => {
  const r = await runCli(['migrate', '-'], { input: clean });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, "new HttpRoute(team, 'web-example-com'");
  assert.match(r.stdout, "from 'portico';");
  assert.match(r.stderr, '1 Ingress(es) converted');
});

test('exit 1 when the report has errors, naming the Ingress and the annotation', async () => {
  const r = await runCli(['migrate', '--from', '-', '--format', 'yaml'], { input: lossy });
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stdout, 'kind: HTTPRoute');
  assert.match(r.stderr, /error +team\/web +nginx\.ingress\.kubernetes\.io\/server-snippet: not converted: raw nginx configuration/);
});

test('--out writes the app, cdk8s.yaml and the report (ts), or the manifests (yaml)', async () => {
  await withTempDir('portico-migrate-', { 'in.yaml': clean }, async (d) => {
    const ts = await runCli(['migrate', '--from', join(d, 'in.yaml'), '--out', join(d, 'app'), '--gateway', 'edge/main']);
    assert.is(ts.code, 0, ts.stderr);
    assert.ok(existsSync(join(d, 'app/cdk8s.yaml')) && existsSync(join(d, 'app/migration-report.md')));
    assert.match(readFileSync(join(d, 'app/main.ts'), 'utf8'), "new Platform(app, 'platform', { namespace: 'edge' })");
    const y = await runCli(['migrate', join(d, 'in.yaml'), '--format', 'yaml', '--out', join(d, 'yaml')]);
    assert.is(y.code, 0, y.stderr);
    assert.match(readFileSync(join(d, 'yaml/manifests.yaml'), 'utf8'), 'kind: HTTPRoute');
  });
});

test('usage and input errors exit 2', async () => {
  await withTempDir('portico-migrate-', { 'broken.yaml': 'kind: [\n', 'other.yaml': clean.replace('ingressClassName: nginx', 'ingressClassName: traefik') }, async (d) => {
    const cases: [string[], string][] = [
      [['migrate'], '--from'],
      [['migrate', '--from', join(d, 'nope.yaml')], 'no such file'],
      [['migrate', '--from', join(d, 'broken.yaml')], 'does not parse'],
      [['migrate', '--from', join(d, 'other.yaml')], 'no ingress-nginx Ingress'],
      [['migrate', '--from', join(d, 'other.yaml'), '--format', 'json'], '--format must be ts or yaml'],
      [['migrate', '--from', join(d, 'other.yaml'), '--gateway', 'public'], '--gateway must be NAMESPACE/NAME'],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      assert.is(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});

test.run();
