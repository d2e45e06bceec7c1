// The test API server's own protocol points that the provider tests rely on but do not all
// exercise through client-node's ListWatch (which never asks for bookmarks).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Watch } from '@kubernetes/client-node';
import { startKubeApiServer } from '../../helpers/kube-api-server/index.ts';
import { loadKubeConfig } from '../../../gateway/provider/kubernetes/index.ts';
import { createRest } from '../../../gateway/provider/kubernetes/rest.ts';
import { waitFor } from '../wait.ts';
import { httpRoute } from './fixtures.ts';

test('watch: replay from a resourceVersion, BOOKMARKs when allowed, 410 Expired after compaction', async () => {
  const api = await startKubeApiServer({ bookmarkMs: 50 });
  const kc = loadKubeConfig(api.kubeconfigPath);
  const controllers: AbortController[] = [];
  try {
    const a = api.store.apply(httpRoute('a'));
    api.store.apply(httpRoute('b'));
    const seen: { type: string; name?: string; rv?: string }[] = [];
    controllers.push(await new Watch(kc).watch('/apis/gateway.networking.k8s.io/v1/httproutes',
      { resourceVersion: a.metadata.resourceVersion, allowWatchBookmarks: true },
      (type, obj) => seen.push({ type, name: obj?.metadata?.name, rv: obj?.metadata?.resourceVersion }), () => {}));
    await waitFor(() => seen.some((e) => e.type === 'BOOKMARK'), 30_000, 'a bookmark');
    assert.equal(seen.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.name}`), ['ADDED b'], 'only events after the given resourceVersion');
    assert.is(seen.find((e) => e.type === 'BOOKMARK')!.rv, String(api.store.rv));

    api.store.compact();
    const gone: { type: string; code?: number }[] = [];
    let ended = false;
    controllers.push(await new Watch(kc).watch('/apis/gateway.networking.k8s.io/v1/httproutes', { resourceVersion: a.metadata.resourceVersion },
      (type, obj) => gone.push({ type, code: obj?.code }), () => { ended = true; }));
    await waitFor(() => ended, 30_000, 'the expired watch ends');
    assert.equal(gone, [{ type: 'ERROR', code: 410 }]);

    const rest = createRest(kc);
    const authed = await rest.request('GET', '/api/v1/namespaces').then(() => 0, (e) => e.statusCode);
    assert.is(authed, 0, 'the kubeconfig token is accepted');
    const { request } = await import('node:https');
    const status = await new Promise<number>((r, f) => request(`${api.url}/api/v1/namespaces`, { rejectUnauthorized: false }, (res) => { res.resume(); r(res.statusCode!); }).on('error', f).end());
    assert.is(status, 401, 'no token, no access');
  } finally {
    for (const c of controllers) c.abort();
    await api.close();
  }
});

test.run();
