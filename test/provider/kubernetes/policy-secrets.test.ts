// Secrets a SecurityPolicy names are read one by one (a list+watch with the field selector
// metadata.name=<name> in the policy's namespace), only while a policy names them; no request
// lists Secrets beyond the TLS-typed list. The test API server records every request: audited here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resourceForObject } from '../../helpers/kube-api-server/resources.ts';
import { waitFor } from '../wait.ts';
import { gateway, gatewayClass, httpRoute, service, withProvider } from './fixtures.ts';

const secret = (name: string, data: Record<string, string>, type = 'Opaque') => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, type,
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
});
const policy = (secretName: string) => ({
  apiVersion: 'policy.portico.dev/v1alpha1', kind: 'SecurityPolicy', metadata: { name: 'keys', namespace: 'default' },
  spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'web' }], apiKeyAuth: { credentialRefs: [{ name: secretName }], extractFrom: { headers: ['x-api-key'] } } },
});
const names = (s: { secrets: { metadata: { name: string } }[] }) => s.secrets.map((x) => x.metadata.name).sort();

test('a policy\'s Secret is watched by name and reaches the snapshot; other Secrets are never read', async () => {
  await withProvider(async ({ api, last }) => {
    await waitFor(() => names(last().snapshot).includes('api-keys'), 30_000, 'the policy Secret in the snapshot');
    assert.equal(names(last().snapshot), ['api-keys']);
    // A rotated key is seen (the watch, not a re-list).
    api.store.apply(secret('api-keys', { client: 'rotated' }));
    await waitFor(() => atob(String(last().snapshot.secrets.find((s) => s.metadata.name === 'api-keys')?.data?.client)) === 'rotated', 30_000, 'the rotated key');

    const secretRequests = api.requests.filter((r) => r.parsed?.res.plural === 'secrets');
    const shapes = new Set(secretRequests.map((r) => `${r.method} ${r.path} ${r.query.get('fieldSelector')}`.replace(/ $/, '')));
    assert.equal([...shapes].sort(), [
      'GET /api/v1/namespaces/default/secrets metadata.name=api-keys',
      'GET /api/v1/secrets type=kubernetes.io/tls',
    ], 'only the TLS-typed list and the per-name read of the Secret the policy names');
    assert.ok(secretRequests.every((r) => r.query.get('fieldSelector')), 'no Secret request without a field selector');

    // The policy goes away: its Secret leaves the snapshot and its watch ends.
    api.store.delete(resourceForObject(policy('api-keys'))!, 'default', 'keys');
    await waitFor(() => !names(last().snapshot).includes('api-keys'), 30_000, 'the Secret leaves with the policy');
    const before = api.requests.length;
    api.store.apply(secret('api-keys', { client: 'again' }));
    await new Promise((r) => setTimeout(r, 200));
    assert.not.ok(names(last().snapshot).includes('api-keys'));
    assert.ok(api.requests.slice(before).every((r) => r.parsed?.res.plural !== 'secrets' || r.query.get('fieldSelector') !== 'metadata.name=api-keys'), 'no new read of the Secret');
  }, {}, [
    gatewayClass(), gateway(), httpRoute(), service(), policy('api-keys'),
    secret('api-keys', { client: 'key-1' }), secret('unrelated', { password: 'hunter2' }), secret('unused-tls', { 'tls.crt': 'x', 'tls.key': 'y' }, 'kubernetes.io/tls'),
  ]);
});

test.run();
