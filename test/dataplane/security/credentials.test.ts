// SecurityPolicy basicAuth (htpasswd Secret: bcrypt and {SHA}) and apiKeyAuth (keys from named
// Secrets; header, query or cookie; client id forwarded) over real sockets.
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import bcrypt from 'bcryptjs';
import { redactTable } from '../../../gateway/admin/status.ts';
import { echo, gateway, gatewayClass, get, policy, route, secret, serve, service, upstreamHeaders } from './harness.ts';

const s = suite('SecurityPolicy basicAuth and apiKeyAuth');
const ctx: { backend?: Awaited<ReturnType<typeof echo>> } = {};
s.before(async () => { ctx.backend = await echo(); });
s.after(async () => { await ctx.backend?.close(); });

const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
const htpasswd = [
  `alice:${bcrypt.hashSync('wonderland', 5).replace('$2b$', '$2y$')}`,
  `bob:{SHA}${createHash('sha1').update('builder').digest('base64')}`,
].join('\n');

function objs(spec: Record<string, unknown>, secrets: unknown[]) {
  return [gatewayClass, gateway([{ name: 'http', port: 1 }]), route('app', [{ path: '/' }]), ...service('echo', ctx.backend!.port),
    ...secrets, policy('p', [{ kind: 'HTTPRoute', name: 'app' }], spec)];
}

s('basicAuth: bcrypt ($2y$) and {SHA} users pass; wrong password, unknown user and no credentials get 401 with a challenge', async () => {
  const gw = await serve(objs({ basicAuth: { users: { name: 'users' }, forwardUsernameHeader: 'X-User', realm: 'staff' } }, [secret('users', { '.htpasswd': htpasswd })]));
  try {
    const p = gw.ports.http;
    const a = await get(p, '/', { ...basic('alice', 'wonderland'), 'x-user': 'mallory' });
    assert.is(a.status, 200);
    assert.is(upstreamHeaders(a)['x-user'], 'alice');
    assert.is(upstreamHeaders(a).authorization, undefined, 'credentials are not sent upstream');
    assert.is((await get(p, '/', basic('alice', 'wonderland'))).status, 200, 'again (verified-credentials cache)');
    assert.is(upstreamHeaders(await get(p, '/', basic('bob', 'builder')))['x-user'], 'bob');
    assert.is((await get(p, '/', basic('alice', 'wrong'))).status, 401);
    assert.is((await get(p, '/', basic('carol', 'x'))).status, 401);
    const none = await get(p, '/', { 'x-user': 'alice' });
    assert.is(none.status, 401);
    assert.is(none.headers['www-authenticate'], 'Basic realm="staff", charset="UTF-8"');
    assert.not.match(JSON.stringify(redactTable(gw.result.table)), '{SHA}', 'the admin /config view does not show password hashes');
  } finally { await gw.close(); }
});

s('basicAuth: an htpasswd line that is not bcrypt or {SHA} (e.g. MD5) makes the policy Invalid and the route fail closed', async () => {
  const gw = await serve(objs({ basicAuth: { users: { name: 'users' } } }, [secret('users', { '.htpasswd': 'eve:$apr1$abc$def' })]));
  try {
    assert.is((await get(gw.ports.http, '/', basic('eve', 'x'))).status, 500);
    const p = gw.result.problems.find((x) => x.ref.kind === 'SecurityPolicy')!;
    assert.is(p.field, 'spec.basicAuth.users');
    assert.match(p.message, 'line 1');
    assert.match(p.fix!, 'htpasswd -B');
  } finally { await gw.close(); }
});

s('apiKeyAuth: keys from two Secrets, from a header, a query parameter or a cookie; the client id goes upstream, the key does not', async () => {
  const gw = await serve(objs({ apiKeyAuth: { credentialRefs: [{ name: 'keys-a' }, { name: 'keys-b' }], extractFrom: { headers: ['X-API-Key'], params: ['api_key'], cookies: ['apikey'] }, forwardClientIDHeader: 'X-Client-ID' } },
    [secret('keys-a', { 'client-a': 'key-aaaa' }), secret('keys-b', { 'client-b': 'key-bbbb' })]));
  try {
    const p = gw.ports.http;
    const h = await get(p, '/', { 'x-api-key': 'key-aaaa', 'x-client-id': 'spoofed' });
    assert.is(h.status, 200);
    assert.is(upstreamHeaders(h)['x-client-id'], 'client-a');
    assert.is(upstreamHeaders(h)['x-api-key'], undefined);
    const q = await get(p, '/path?api_key=key-bbbb&x=1');
    assert.is(q.status, 200);
    assert.is(JSON.parse(q.body).url, '/path?x=1');
    assert.is(upstreamHeaders(q)['x-client-id'], 'client-b');
    assert.is(upstreamHeaders(await get(p, '/', { cookie: 'apikey=key-aaaa' }))['x-client-id'], 'client-a');
    assert.is((await get(p, '/', { 'x-api-key': 'nope' })).status, 401);
    assert.is((await get(p, '/')).status, 401);
    const shown = JSON.stringify(redactTable(gw.result.table));
    assert.not.match(shown, 'key-aaaa', 'the admin /config view does not show API keys');
    assert.match(shown, 'client-a');
  } finally { await gw.close(); }
});

s.run();
