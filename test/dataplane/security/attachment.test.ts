// Attachment over real sockets: Gateway → listener → route → rule inheritance, disable, a
// conflict at one target (older wins), and extAuth at Gateway scope through the ExternalAuth
// filter's implementation.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { echo, gateway, gatewayClass, get, policy, route, secret, serve, server, service } from './harness.ts';

const s = suite('SecurityPolicy attachment end to end');
const ctx: { backend?: Awaited<ReturnType<typeof echo>> } = {};
s.before(async () => { ctx.backend = await echo(); });
s.after(async () => { await ctx.backend?.close(); });

const key = (k: string) => ({ 'x-api-key': k });

s('Gateway → listener → route → rule: most specific per section, disable, conflict', async () => {
  const gw = await serve([
    gatewayClass, gateway([{ name: 'http', port: 1 }, { name: 'admin', port: 2 }]),
    route('app', [{ name: 'open', path: '/open' }, { path: '/' }]), route('public', [{ path: '/public' }], 'http'),
    ...service('echo', ctx.backend!.port),
    secret('gw-keys', { gw: 'gw-key' }), secret('admin-keys', { admin: 'admin-key' }), secret('route-keys', { r: 'route-key' }), secret('late-keys', { late: 'late-key' }),
    policy('gateway-wide', [{ kind: 'Gateway', name: 'gw' }], { apiKeyAuth: { credentialRefs: [{ name: 'gw-keys' }], extractFrom: { headers: ['x-api-key'] } } }),
    policy('admin-listener', [{ kind: 'Gateway', name: 'gw', sectionName: 'admin' }], { apiKeyAuth: { credentialRefs: [{ name: 'admin-keys' }], extractFrom: { headers: ['x-api-key'] } } }),
    policy('public-off', [{ kind: 'HTTPRoute', name: 'public' }], { disable: ['apiKeyAuth'] }),
    policy('open-rule-off', [{ kind: 'HTTPRoute', name: 'app', sectionName: 'open' }], { disable: ['apiKeyAuth'] }),
    policy('route-keys', [{ kind: 'HTTPRoute', name: 'app' }], { apiKeyAuth: { credentialRefs: [{ name: 'route-keys' }], extractFrom: { headers: ['x-api-key'] } } }),
    policy('route-keys-late', [{ kind: 'HTTPRoute', name: 'app' }], { apiKeyAuth: { credentialRefs: [{ name: 'late-keys' }], extractFrom: { headers: ['x-api-key'] } } }),
  ]);
  try {
    const { http, admin } = gw.ports;
    // /public (route public): apiKeyAuth disabled at route level.
    assert.is((await get(http, '/public')).status, 200);
    // /open rule of app: disabled at rule level, on both listeners.
    assert.is((await get(http, '/open')).status, 200);
    assert.is((await get(admin, '/open')).status, 200);
    // the other rule of app: the route-level policy wins over Gateway and listener ones.
    assert.is((await get(http, '/x', key('route-key'))).status, 200);
    assert.is((await get(http, '/x', key('gw-key'))).status, 401);
    assert.is((await get(admin, '/x', key('route-key'))).status, 200);
    assert.is((await get(admin, '/x', key('admin-key'))).status, 401);
    // the newer route-level policy lost the conflict: its key does not work anywhere.
    assert.is((await get(http, '/x', key('late-key'))).status, 401);
    const late = gw.result.statuses.find((x) => x.ref.name === 'route-keys-late')!.status as any;
    assert.is(late.ancestors[0].conditions[0].reason, 'Conflicted');
  } finally { await gw.close(); }
});

s('listener-level beats Gateway-level on that listener (a route without its own policy)', async () => {
  const gw = await serve([
    gatewayClass, gateway([{ name: 'http', port: 1 }, { name: 'admin', port: 2 }]), route('app', [{ path: '/' }]), ...service('echo', ctx.backend!.port),
    secret('gw-keys', { gw: 'gw-key' }), secret('admin-keys', { admin: 'admin-key' }),
    policy('gateway-wide', [{ kind: 'Gateway', name: 'gw' }], { apiKeyAuth: { credentialRefs: [{ name: 'gw-keys' }], extractFrom: { headers: ['x-api-key'] } } }),
    policy('admin-listener', [{ kind: 'Gateway', name: 'gw', sectionName: 'admin' }], { apiKeyAuth: { credentialRefs: [{ name: 'admin-keys' }], extractFrom: { headers: ['x-api-key'] } } }),
  ]);
  try {
    assert.is((await get(gw.ports.http, '/', key('gw-key'))).status, 200);
    assert.is((await get(gw.ports.http, '/', key('admin-key'))).status, 401);
    assert.is((await get(gw.ports.admin, '/', key('admin-key'))).status, 200);
    assert.is((await get(gw.ports.admin, '/', key('gw-key'))).status, 401);
  } finally { await gw.close(); }
});

s('extAuth at Gateway scope asks the auth service (ExternalAuth implementation); a route can disable it', async () => {
  const auth = await server((req, res) => {
    if (req.headers.authorization === 'Bearer ok') res.writeHead(200, { 'x-user': 'alice' }).end();
    else res.writeHead(403, { 'content-type': 'text/plain' }).end('denied by auth service');
  });
  const gw = await serve([
    gatewayClass, gateway([{ name: 'http', port: 1 }]), route('app', [{ path: '/' }]), route('health', [{ path: '/healthz' }]),
    ...service('echo', ctx.backend!.port), ...service('authz', auth.port),
    policy('ext', [{ kind: 'Gateway', name: 'gw' }], { extAuth: { protocol: 'HTTP', backendRef: { name: 'authz', port: 8080 } } }),
    policy('health-open', [{ kind: 'HTTPRoute', name: 'health' }], { disable: ['extAuth'] }),
  ]);
  try {
    const ok = await get(gw.ports.http, '/x', { authorization: 'Bearer ok' });
    assert.is(ok.status, 200);
    assert.is(JSON.parse(ok.body).headers['x-user'], 'alice');
    const no = await get(gw.ports.http, '/x');
    assert.is(no.status, 403);
    assert.match(no.body, 'denied by auth service');
    assert.is((await get(gw.ports.http, '/healthz')).status, 200);
  } finally { await gw.close(); await auth.close(); }
});

s.run();
