// "What synth accepts is exactly what the gateway serves", for certificates: cdk8s synth runs the
// input stage's certificate checks (gateway/pki, node:crypto) that serve and `portico validate`
// run, so a listener Secret whose key does not match its certificate, that does not parse, or that
// has the wrong type fails synth, with the message `portico validate` prints for the same objects.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiObject, Chart } from 'cdk8s';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CertificateRef, Gateway, GatewayClass, ListenerProtocol, PorticoApp, formatProblem } from '../../constructs/index.ts';
import { validateUpdate } from '../../gateway/cli/validate.ts';
import { fromObjects } from '../../gateway/model/index.ts';
import { selfSignedCert } from '../helpers/self-signed.ts';
import { synthErrors } from './fixtures.ts';

const CONTROLLER = 'portico.dev/gateway-controller';
const b64 = (s: string) => Buffer.from(s).toString('base64');

const dir = mkdtempSync(join(tmpdir(), 'portico-synth-pki-'));
const good = selfSignedCert(dir, 'good', ['good.example.com']);
const stranger = selfSignedCert(dir, 'stranger', ['stranger.example.com']);
rmSync(dir, { recursive: true, force: true });

/** An app whose Gateway has one HTTPS listener per Secret; the Secrets are declared in the app. */
function appWith(secrets: { name: string; type?: string; crt: string; key: string }[]) {
  const app = new PorticoApp({ validation: { printWarnings: false } });
  const chart = new Chart(app, 'edge', { namespace: 'edge' });
  new Gateway(chart, 'gw', {
    metadata: { name: 'gw' },
    gatewayClass: new GatewayClass(chart, 'class', { metadata: { name: 'portico' } }),
    listeners: secrets.map((s, i) => ({
      name: s.name, port: 443 + i, protocol: ListenerProtocol.HTTPS, hostname: `${s.name}.example.com`,
      tls: { certificateRefs: [CertificateRef.fromName(s.name)] },
    })),
  });
  for (const s of secrets) {
    new ApiObject(chart, `secret-${s.name}`, {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: s.name },
      type: s.type ?? 'kubernetes.io/tls', data: { 'tls.crt': b64(s.crt), 'tls.key': b64(s.key) },
    } as any);
  }
  return { app, chart };
}

/** The chart's manifests without running the app's validation (chart.toJson() would run it). */
function objectsOf(chart: Chart): unknown[] {
  return chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map((o) => o.toJson());
}

const GARBAGE_CERT = '-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGUgYXQgYWxs\n-----END CERTIFICATE-----\n';

test('synth rejects a listener Secret whose key does not match its certificate, like validate, with the same message', () => {
  // Given an app whose listener Secret holds another certificate's key (the shape is a valid PEM pair)
  const { app, chart } = appWith([{ name: 'mismatch', crt: good.cert, key: stranger.key }]);
  const objects = objectsOf(chart);
  // When synthesized
  const errors = synthErrors(app);
  // Then synth fails on the Gateway's construct, naming the listener, the Secret and the mismatch
  const line = errors.find((e) => e.includes('listener "mismatch"'));
  assert.ok(line, `synth accepted a key that does not match its certificate:\n${errors.join('\n')}`);
  assert.match(line!, /^\[edge\/gw\] Gateway edge\/gw /);
  assert.match(line!, 'key values mismatch');
  assert.match(line!, '(InvalidCertificateRef)');
  // And `portico validate` over the same objects reports the same problem, in the same words
  const { problems } = validateUpdate({ snapshot: fromObjects(objects).snapshot, problems: [] }, CONTROLLER, new Date().toISOString());
  const validated = problems.filter((p) => p.severity === 'error').map((p) => formatProblem(p));
  assert.ok(validated.some((v) => line === `[edge/gw] ${v}`), `synth: ${line}\nvalidate:\n${validated.join('\n')}`);
});

test('synth rejects an unparseable certificate and a Secret of the wrong type, each on its own listener, and accepts a good one', () => {
  // Given four listeners: a good pair, a certificate that does not parse, an Opaque Secret and a mismatch
  const { app, chart } = appWith([
    { name: 'good', crt: good.cert, key: good.key },
    { name: 'garbage', crt: GARBAGE_CERT, key: good.key },
    { name: 'opaque', type: 'Opaque', crt: good.cert, key: good.key },
    { name: 'mismatch', crt: good.cert, key: stranger.key },
  ]);
  const objects = objectsOf(chart);
  // When synthesized
  const errors = synthErrors(app);
  // Then exactly the three bad listeners fail, each with its own reason
  const about = (name: string) => errors.filter((e) => e.includes(`listener "${name}"`));
  assert.equal(about('good'), [], errors.join('\n'));
  assert.match(about('garbage').join('\n'), 'does not parse as X.509');
  assert.match(about('opaque').join('\n'), 'has type Opaque');
  assert.match(about('mismatch').join('\n'), 'key values mismatch');
  // And synth's errors are validate's errors, word for word (one check, one formatter)
  const { problems } = validateUpdate({ snapshot: fromObjects(objects).snapshot, problems: [] }, CONTROLLER, new Date().toISOString());
  const validated = problems.filter((p) => p.severity === 'error').map((p) => `[edge/gw] ${formatProblem(p)}`).sort();
  assert.equal([...errors].sort(), validated);
});

test.run();
