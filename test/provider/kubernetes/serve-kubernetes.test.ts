// End to end: `portico serve --kubernetes` as a child process against the test API server. A
// Gateway, HTTPRoute, Service and EndpointSlice in the "cluster" route a request to a real echo
// backend; the route's status (with another controller's entry kept) and the Gateway's status
// land in the API server's store; a watched change re-routes without a restart.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:http';
import { startKubeApiServer } from '../../helpers/kube-api-server/index.ts';
import { waitFor } from '../wait.ts';
import { adminGet, freePort, httpGet, serve } from '../../e2e/serve-process.ts';
import { KUBERNETES_ONLY } from '../../helpers/dashboard.ts';
import { CONTROLLER, endpointSlice, gateway, gatewayClass, httpRoute, namespace, service } from './fixtures.ts';
import { parseServeArgs } from '../../../gateway/cli/serve.ts';

const GW = 'gateway.networking.k8s.io/v1';

function echo(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify({ backend: name, path: req.url })); });
  return new Promise((r) => server.listen({ host: '127.0.0.1', port: 0 }, () => r({ server, port: (server.address() as { port: number }).port })));
}

test('serve --kubernetes routes to a real backend from cluster objects and writes status back', async () => {
  const api = await startKubeApiServer();
  const one = await echo('one'), two = await echo('two');
  const port = await freePort();
  const other = { parentRef: { name: 'mesh' }, controllerName: 'other.example.com/mesh', conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: '', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z' }] };
  for (const o of [namespace(), gatewayClass(), gateway(port), { ...httpRoute('web', 'echo', 8080), status: { parents: [other] } },
    service('echo', 8080), endpointSlice('echo', '127.0.0.1', one.port), service('echo2', 8080), endpointSlice('echo2', '127.0.0.1', two.port)]) {
    api.store.apply(o);
  }
  const gw = serve(['--kubernetes', '--kubeconfig', api.kubeconfigPath, '--admin', '127.0.0.1:0', '--lease-namespace', 'portico-system', '--access-log', 'off']);
  try {
    let res: { status: number; body: string } | undefined;
    await waitFor(() => {
      void httpGet('127.0.0.1', port, '/hello', { host: 'any.example' }).then((r) => { res = r; }, () => {});
      return res?.status === 200;
    }, 60_000, `traffic through the gateway\n${gw.stderr()}`);
    assert.equal(JSON.parse(res!.body), { backend: 'one', path: '/hello' });
    const admin = gw.admin()!;

    await waitFor(() => api.get(GW, 'HTTPRoute', 'default', 'web')?.status?.parents?.length === 2, 30_000, `route status written\n${gw.stderr()}`);
    const parents = api.get(GW, 'HTTPRoute', 'default', 'web')!.status.parents;
    assert.equal(parents[0], other, 'the other controller\'s entry is kept');
    assert.is(parents[1].controllerName, CONTROLLER);
    assert.is(parents[1].conditions.find((c: any) => c.type === 'Accepted').status, 'True');
    await waitFor(() => api.get(GW, 'Gateway', 'default', 'edge')?.status?.conditions?.some((c: any) => c.type === 'Programmed' && c.status === 'True'), 30_000, 'Gateway Programmed');
    assert.ok(api.get(GW, 'GatewayClass', undefined, 'portico')?.status?.conditions?.some((c: any) => c.type === 'Accepted' && c.status === 'True'), 'GatewayClass Accepted');
    assert.is(api.get('coordination.k8s.io/v1', 'Lease', 'portico-system', 'portico-leader')?.spec?.holderIdentity?.length > 0, true, 'this replica holds the Lease');

    // A watched change re-routes: point the route at the second backend.
    const live = api.get(GW, 'HTTPRoute', 'default', 'web')!;
    api.store.apply({ ...live, spec: { ...live.spec, rules: [{ backendRefs: [{ name: 'echo2', port: 8080 }] }] } });
    await waitFor(() => {
      void httpGet('127.0.0.1', port, '/again', { host: 'any.example' }).then((r) => { res = r; }, () => {});
      return res?.body.includes('"two"');
    }, 5000, `re-routed to echo2\n${gw.stderr()}`);
    await waitFor(() => api.get(GW, 'HTTPRoute', 'default', 'web')!.status.parents.find((p: any) => p.controllerName === CONTROLLER)?.conditions[0].observedGeneration === 2, 30_000, 'status for generation 2');

    // The control-plane metrics only a cluster-reading gateway has, and the dashboard's queries of them.
    const metrics = (await adminGet(admin, '/metrics')).body;
    assert.match(metrics, /portico_watch_events_total\{kind="HTTPRoute",type="update"\} [1-9]/);
    assert.match(metrics, /portico_watch_restarts_total\{kind="Gateway"\} 0/);
    assert.match(metrics, /portico_status_writes_total\{kind="HTTPRoute",result="written"\} [1-9]/);
    assert.match(metrics, /^portico_leader 1$/m);
    for (const name of KUBERNETES_ONLY) assert.ok(metrics.includes(`\n${name}{`) || metrics.includes(`\n${name} `), `missing ${name}`);
    const code = await gw.stop();
    assert.is(code, 0, gw.stderr());
    assert.is(api.get('coordination.k8s.io/v1', 'Lease', 'portico-system', 'portico-leader')?.spec?.holderIdentity, '', 'the Lease is released on shutdown');
  } finally {
    await gw.stop();
    await api.close();
    one.server.close();
    two.server.close();
  }
});

test('serve --kubernetes with an unreadable kubeconfig exits with a usage error, not a hang', async () => {
  const gw = serve(['--kubernetes', '--kubeconfig', '/nonexistent/kubeconfig', '--admin', '127.0.0.1:0']);
  const timer = setTimeout(() => gw.child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((r) => gw.child.on('close', (c) => r(c)));
  clearTimeout(timer);
  assert.is.not(code, 0);
  assert.is.not(code, null, 'exited by itself');
  assert.match(gw.stderr(), /cannot load the kubeconfig/);
});

test('serve flags: --kubernetes options parse; Kubernetes flags without --kubernetes, or with --manifests, are refused', () => {
  const o = parseServeArgs(['--kubernetes', '--kubeconfig', '/k', '--namespace', 'a', '--namespace', 'b', '--lease-name', 'l']);
  assert.equal(o.kubernetes, { kubeconfig: '/k', namespaces: ['a', 'b'], leaseNamespace: undefined, leaseName: 'l' });
  assert.equal(o.manifests, []);
  assert.throws(() => parseServeArgs(['--kubeconfig', '/k', '--manifests', 'x']), /--kubeconfig needs --kubernetes/);
  assert.throws(() => parseServeArgs(['--kubernetes', '--manifests', 'x']), /either --manifests or --kubernetes/);
  assert.throws(() => parseServeArgs(['--kubernetes', '--namespace', 'Bad_NS']), /lowercase DNS name/);
  assert.is(parseServeArgs(['--manifests', 'x']).kubernetes, undefined, '--manifests alone is unchanged');
});

test.run();
