// Does the migrated config route like ingress-nginx did? No ingress-nginx can run here, so the
// reference is its documented matching, written out per request in the table below (each row
// says which rule decides): the fixture corpus is migrated, the YAML is served by `portico serve`
// (startGateway) with an echo backend per Service and self-signed certificates for the TLS
// Secrets, and every request must reach the backend (or get the redirect) the row names.
// Rows whose hosts need what an echo backend cannot be (gRPC, HTTPS backends, TLS passthrough)
// are left to the golden files; known differences are report lines (golden report).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { stringify } from 'yaml';
import { startDemoBackends, type DemoBackends } from '../../apps/demo-backends.ts';
import { DEFAULT_ACCESS_LOG } from '../../gateway/admin/access-log.ts';
import { createLogger } from '../../gateway/admin/log.ts';
import { startGateway, type RunningGateway } from '../../gateway/cli/serve.ts';
import { migrate } from '../../gateway/migrate/index.ts';
import { synthesize } from '../../gateway/migrate/interpret.ts';
import { readManifestsOnce } from '../../gateway/provider/files/index.ts';
import { selfSignedCert } from '../helpers/self-signed.ts';
import { fixtureObjects } from './corpus.ts';

const SUBNET = 100 + Math.floor(Math.random() * 100);
const OFFSET = 21000 + Math.floor(Math.random() * 2000);

/** What ingress-nginx does with the request: the Service it proxies to (and the path it sends), or a redirect. */
type Want = { service: string | string[]; path?: string; host?: string; upstreamHeaders?: Record<string, string> } | { status: number; location: string };

/** In the api Ingress's whitelist-source-range (the fixture's stand-in for an office network). */
const OFFICE = '127.10.0.9';
const HOOK_USER = 'stripe';
const HOOK_PASSWORD = 'whsec-test-password';
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

interface Row {
  scheme: 'http' | 'https'; host: string; path: string; method?: string; headers?: Record<string, string>;
  /** The client's source address (loopback); default 127.0.0.1. */
  from?: string;
  /** Bytes of request body sent (with Content-Length). */
  bodyBytes?: number;
  want: Want; why: string;
  /** Response headers the answer must carry. */
  responseHeaders?: Record<string, string>;
}

const ROWS: Row[] = [
  // www.shop.example.com: Prefix /, Prefix /cart, Exact /checkout (+ a canary by header and weight)
  { scheme: 'https', host: 'www.shop.example.com', path: '/cart/items', want: { service: 'cart' }, why: 'longest matching prefix wins (/cart over /)' },
  { scheme: 'https', host: 'www.shop.example.com', path: '/cart', want: { service: 'cart' }, why: 'Prefix matches the path itself' },
  { scheme: 'https', host: 'www.shop.example.com', path: '/carts', want: { service: ['storefront', 'storefront-v2'] }, why: 'Prefix matches whole path elements: /cart does not match /carts' },
  { scheme: 'https', host: 'www.shop.example.com', path: '/checkout', want: { service: 'checkout' }, why: 'Exact path' },
  { scheme: 'https', host: 'www.shop.example.com', path: '/checkout/x', want: { service: ['storefront', 'storefront-v2'] }, why: 'Exact does not match below the path; / does' },
  { scheme: 'https', host: 'www.shop.example.com', path: '/', headers: { 'x-canary': 'always' }, want: { service: 'storefront-v2' }, why: 'canary-by-header: "always" goes to the canary' },
  { scheme: 'https', host: 'www.shop.example.com', path: '/', want: { service: ['storefront', 'storefront-v2'] }, why: 'canary-weight 10: the rest by weight' },
  { scheme: 'http', host: 'www.shop.example.com', path: '/cart?x=1', want: { status: 308, location: 'https://www.shop.example.com/cart?x=1' }, why: 'ssl-redirect (default on) for a TLS host, 308' },
  { scheme: 'http', host: 'shop.example.com', path: '/a', want: { status: 308, location: 'http://www.shop.example.com/a' }, why: 'from-to-www-redirect: the bare name redirects to www' },
  // api.shop.example.com: use-regex + rewrite-target /$2 on /v1(/|$)(.*) and /v2(/|$)(.*)
  { scheme: 'https', host: 'api.shop.example.com', from: OFFICE, path: '/v1/users/7?x=1', want: { service: 'api-v1', path: '/users/7?x=1' }, why: 'rewrite-target /$2: the capture after /v1/' },
  { scheme: 'https', host: 'api.shop.example.com', from: OFFICE, path: '/v2', want: { service: 'api-v2', path: '/' }, why: '(/|$) matches the end; $2 is empty' },
  { scheme: 'https', host: 'api.shop.example.com', path: '/v1/users', want: { status: 403, location: '' }, why: 'whitelist-source-range: a client outside the ranges gets 403' },
  { scheme: 'http', host: 'api.shop.example.com', path: '/v1/x', want: { status: 308, location: 'https://api.shop.example.com/v1/x' }, why: 'ssl-redirect for a TLS host' },
  // media.shop.example.com: regex host, locations tried longest first, case-insensitive
  { scheme: 'http', host: 'media.shop.example.com', path: '/images/thumbs/12.png', want: { service: 'images' }, why: 'the longer regex (/images/.+\\.(png|jpe?g), 22 characters) is tried first' },
  { scheme: 'http', host: 'media.shop.example.com', path: '/images/thumbs/12', want: { service: 'thumbs' }, why: 'no extension: the next regex, /images/thumbs/[0-9]+' },
  { scheme: 'http', host: 'media.shop.example.com', path: '/IMAGES/a/b.JPEG', want: { service: 'images' }, why: 'regex locations are case-insensitive (~*)' },
  { scheme: 'http', host: 'media.shop.example.com', path: '/video/1', want: { service: 'media' }, why: 'the / location, also a regex on this host, matches everything' },
  // old.shop.example.com: permanent-redirect with code 308
  { scheme: 'http', host: 'old.shop.example.com', path: '/anything', want: { status: 308, location: 'https://www.shop.example.com/' }, why: 'permanent-redirect to the URL, permanent-redirect-code 308' },
  // catalog.shop.example.com: an ExternalName bridge to catalog/catalog
  { scheme: 'http', host: 'catalog.shop.example.com', path: '/items', want: { service: 'catalog', host: 'catalog.internal', upstreamHeaders: { 'X-Forwarded-Prefix': '/catalog' } }, why: 'the ExternalName Service resolves to catalog.catalog.svc; upstream-vhost and x-forwarded-prefix' },
  { scheme: 'http', host: 'catalog.shop.example.com', path: '/items', headers: { cookie: 'theme=dark; catalog_canary=always' }, want: { service: 'catalog-v2' }, why: 'canary-by-cookie: the cookie set to "always"' },
  { scheme: 'http', host: 'catalog.shop.example.com', path: '/items', headers: { cookie: 'catalog_canary=never' }, want: { service: 'catalog' }, why: 'canary-by-cookie: any other value stays on the main backend' },
  { scheme: 'http', host: 'catalog.shop.example.com', path: '/items', headers: { 'x-beta': 'staff-42' }, want: { service: 'catalog-v2' }, why: 'canary-by-header-pattern ^(tester|staff)-[0-9]+$' },
  { scheme: 'http', host: 'catalog.shop.example.com', path: '/items', headers: { 'x-beta': 'staff-x' }, want: { service: 'catalog' }, why: 'the pattern does not match' },
  { scheme: 'http', host: 'promo.shop.example.com', path: '/spring', want: { status: 302, location: 'https://www.shop.example.com/sale' }, why: 'temporal-redirect: 302 to the URL' },
  { scheme: 'https', host: 'api.shop.example.com', from: OFFICE, path: '/v1/cart', method: 'OPTIONS', headers: { origin: 'https://www.shop.example.com', 'access-control-request-method': 'POST' }, want: { status: 204, location: '' }, responseHeaders: { 'access-control-allow-origin': 'https://www.shop.example.com', 'access-control-allow-credentials': 'true' }, why: 'enable-cors: the preflight is answered for the allowed origin' },
  // hooks.payments.example.com: ssl-redirect false, so port 80 serves too
  { scheme: 'http', host: 'hooks.payments.example.com', path: '/stripe/events', headers: { authorization: basic(HOOK_USER, HOOK_PASSWORD) }, want: { service: 'webhooks' }, why: 'ssl-redirect "false": no redirect on port 80; auth-type basic passes with a user of the htpasswd Secret' },
  { scheme: 'https', host: 'hooks.payments.example.com', path: '/stripe', headers: { authorization: basic(HOOK_USER, HOOK_PASSWORD) }, want: { service: 'webhooks' }, why: 'TLS host served on 443' },
  { scheme: 'https', host: 'hooks.payments.example.com', path: '/stripe', want: { status: 401, location: '' }, why: 'auth-type basic: no credentials, 401' },
  { scheme: 'https', host: 'hooks.payments.example.com', path: '/stripe', method: 'POST', bodyBytes: 9 * 1024 * 1024, headers: { authorization: basic(HOOK_USER, HOOK_PASSWORD) }, want: { status: 413, location: '' }, why: 'the ConfigMap\'s proxy-body-size 8m: a 9 MiB body gets 413' },
  { scheme: 'https', host: 'hooks.payments.example.com', path: '/stripe', method: 'POST', bodyBytes: 1024 * 1024, headers: { authorization: basic(HOOK_USER, HOOK_PASSWORD) }, want: { service: 'webhooks' }, why: 'a 1 MiB body is within 8m' },
  { scheme: 'https', host: 'hooks.payments.example.com', path: '/stripe', headers: { authorization: basic(HOOK_USER, 'wrong') }, want: { status: 401, location: '' }, why: 'auth-type basic: a wrong password, 401' },
  // pay.example.net: app-root and ssl-redirect (its backend speaks HTTPS, not reached here)
  { scheme: 'https', host: 'pay.example.net', path: '/', want: { status: 302, location: 'https://pay.example.net/portal' }, why: 'app-root: / redirects (302) to /portal' },
  { scheme: 'http', host: 'pay.example.net', path: '/portal', want: { status: 308, location: 'https://pay.example.net/portal' }, why: 'ssl-redirect for a TLS host' },
  // docs.example.org: the Ingress's defaultBackend serves the host's unmatched paths
  { scheme: 'http', host: 'docs.example.org', path: '/guide/intro', want: { service: 'guide' }, why: 'Prefix /guide' },
  { scheme: 'http', host: 'docs.example.org', path: '/guide/api/v1', want: { service: 'api-docs' }, why: 'the longest prefix, /guide/api' },
  { scheme: 'http', host: 'docs.example.org', path: '/guidebook', want: { service: 'docs-home' }, why: 'no path element match: the Ingress defaultBackend' },
  { scheme: 'http', host: 'docs.example.org', path: '/search/q', want: { service: 'search' }, why: 'ImplementationSpecific /search as a prefix' },
  { scheme: 'http', host: 'docs.example.org', path: '/healthz', want: { service: 'docs-home' }, why: 'a host with a server of its own never uses the default server\'s /healthz' },
  // wildcard host
  { scheme: 'http', host: 'tenant1.apps.example.org', path: '/x', want: { service: 'apps-router' }, why: 'host *.apps.example.org' },
  // no host matched: the default server (the host-less rule, then the rule-less Ingress's defaultBackend)
  { scheme: 'http', host: 'unknown.example.com', path: '/healthz', want: { service: 'health' }, why: 'a rule without host belongs to the default server' },
  { scheme: 'http', host: 'unknown.example.com', path: '/healthz/x', want: { service: 'fallback' }, why: 'Exact /healthz does not match; the default backend does' },
  { scheme: 'http', host: 'traefik.example.org', path: '/', want: { service: 'fallback' }, why: 'an Ingress of another class is not served: the default server answers' },
];

interface Ctx { dir: string; backends: DemoBackends; gw: RunningGateway; address: string }
const eq = suite<Ctx>('migrated Ingresses route as ingress-nginx documents');

function tlsSecret(dir: string, name: string, namespace: string, hosts: string[]): string {
  const { cert, key } = selfSignedCert(dir, name, hosts);
  return stringify({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name, namespace },
    data: { 'tls.crt': Buffer.from(cert).toString('base64'), 'tls.key': Buffer.from(key).toString('base64') } });
}

eq.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'portico-migrate-eq-'));
  const objects = fixtureObjects();
  const result = migrate(objects);
  writeFileSync(join(ctx.dir, 'migrated.yaml'), synthesize(result.program, { quiet: true }));
  const services = objects.filter((o: any) => o.kind === 'Service' && o.spec?.type !== 'ExternalName');
  writeFileSync(join(ctx.dir, 'services.yaml'), services.map((s) => stringify(s)).join('---\n'));
  writeFileSync(join(ctx.dir, 'secrets.yaml'), [
    tlsSecret(ctx.dir, 'storefront-tls', 'shop', ['www.shop.example.com', 'shop.example.com']),
    tlsSecret(ctx.dir, 'api-tls', 'shop', ['api.shop.example.com']),
    tlsSecret(ctx.dir, 'payments-tls', 'payments', ['grpc.payments.example.com', 'hooks.payments.example.com']),
    tlsSecret(ctx.dir, 'pay-example-net-tls', 'payments', ['pay.example.net']),
    // The htpasswd Secret of the webhooks Ingress (auth-secret), in ingress-nginx's auth-file form.
    stringify({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'webhook-basic-auth', namespace: 'payments' },
      data: { auth: Buffer.from(`${HOOK_USER}:${bcrypt.hashSync(HOOK_PASSWORD, 4)}\n`).toString('base64') } }),
  ].join('---\n'));
  const { snapshot } = await readManifestsOnce([join(ctx.dir, 'services.yaml')]);
  ctx.backends = await startDemoBackends(snapshot.services, { prefix: `127.${SUBNET}.2.` });
  writeFileSync(join(ctx.dir, 'endpoints.yaml'), ctx.backends.endpointSlices.map((s) => stringify(s)).join('---\n'));
  const log = createLogger(process.env.DEBUG_TRAFFIC ? (l) => process.stderr.write(`${l}\n`) : () => {}, () => new Date().toISOString(), process.env.DEBUG_TRAFFIC ? 'debug' : 'error');
  ctx.gw = await startGateway({
    manifests: ['migrated.yaml', 'services.yaml', 'secrets.yaml', 'endpoints.yaml'].map((f) => join(ctx.dir, f)),
    controllerName: 'portico.dev/gateway-controller', portOffset: OFFSET, addressPool: `127.${SUBNET}.1.0/24`, bind: '127.0.0.1',
    admin: '127.0.0.1:0', accessLog: { ...DEFAULT_ACCESS_LOG, mode: 'off' }, pollMs: 60_000,
  }, log, () => new Date().toISOString());
  await ctx.gw.pipeline.idle();
  const state = ctx.gw.admin.state.current;
  assert.ok(state, 'the gateway applied no config');
  ctx.address = state.table.gateways.find((g) => g.key === 'portico-system/public')!.addresses[0];
});

eq.after(async (ctx) => {
  await ctx.gw?.stop();
  await ctx.backends?.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

function call(ctx: Ctx, r: Row): Promise<{ status: number; headers: IncomingHttpHeaders; json: any }> {
  const port = (r.scheme === 'https' ? 443 : 80) + OFFSET;
  return new Promise((done, fail) => {
    let answered = false;
    const req = (r.scheme === 'https' ? httpsRequest : httpRequest)({
      host: ctx.address, port, path: r.path, method: r.method ?? 'GET', localAddress: r.from, agent: false, timeout: 5000,
      headers: { host: r.host, ...r.headers, ...(r.bodyBytes !== undefined ? { 'content-length': String(r.bodyBytes) } : {}) }, servername: r.host, rejectUnauthorized: false,
    }, (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        let json: any;
        try { json = JSON.parse(body); } catch { /* not an echo answer */ }
        done({ status: res.statusCode ?? 0, headers: res.headers, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${r.scheme}://${r.host}${r.path} timed out`)));
    // A gateway refusing the body answers and may close before the client wrote it all: the answer counts.
    let errored: Error | undefined;
    req.on('error', (e) => (r.bodyBytes !== undefined ? (errored = e) : fail(e)));
    req.on('close', () => { if (!answered) fail(errored ?? new Error(`${r.scheme}://${r.host}${r.path}: closed without an answer`)); });
    req.end(r.bodyBytes !== undefined ? Buffer.alloc(r.bodyBytes, 97) : undefined);
  });
}

eq('every request of the table reaches what ingress-nginx\'s documented rules pick', async (ctx) => {
  const failures: string[] = [];
  for (const r of ROWS) {
    const got = await call(ctx, r);
    const where = `${r.scheme}://${r.host}${r.path} (${r.why})`;
    for (const [h, v] of Object.entries(r.responseHeaders ?? {})) {
      if (got.headers[h] !== v) failures.push(`${where}: want response header ${h}: ${v}, got ${String(got.headers[h])}`);
    }
    if ('status' in r.want) {
      // Redirects name the listener's port; the gateway serves port p on p + OFFSET, so compare without it.
      const location = String(got.headers.location ?? '').replace(`:${443 + OFFSET}`, '').replace(`:${80 + OFFSET}`, '');
      if (got.status !== r.want.status || location !== r.want.location) failures.push(`${where}: want ${r.want.status} ${r.want.location}, got ${got.status} ${location}`);
      continue;
    }
    const want = Array.isArray(r.want.service) ? r.want.service : [r.want.service];
    if (got.status !== 200 || !want.includes(got.json?.service)) { failures.push(`${where}: want ${want.join(' or ')}, got ${got.status} ${got.json?.service ?? ''}`); continue; }
    if (r.want.path !== undefined && got.json.path !== r.want.path) failures.push(`${where}: want upstream path ${r.want.path}, got ${got.json.path}`);
    if (r.want.host !== undefined && got.json.host !== r.want.host) failures.push(`${where}: want upstream Host ${r.want.host}, got ${got.json.host}`);
    for (const [h, v] of Object.entries(r.want.upstreamHeaders ?? {})) {
      if (got.json.headers?.[h]?.[0] !== v) failures.push(`${where}: want upstream header ${h}: ${v}, got ${String(got.json.headers?.[h])}`);
    }
  }
  assert.equal(failures, []);
});

eq.run();
