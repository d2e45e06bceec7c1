// `portico explain` against what `portico serve` actually does: the example app (dist/) served with
// demo backends, and for each request explain's answer (from the manifests and from the running
// gateway's /config) is compared with the real answer on a loopback socket: which demo backend
// answered, the redirect and its Location, or the gateway's own status.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { startDemoBackends, type DemoBackends } from '../../apps/demo-backends.ts';
import { demoSecrets } from '../../apps/demo-certs.ts';
import { demoJwt } from '../../apps/demo-jwt.ts';
import { createLogger } from '../../gateway/admin/log.ts';
import { startGateway, type RunningGateway } from '../../gateway/cli/serve.ts';
import { main } from '../../gateway/cli.ts';
import type { Explanation, GatewayView } from '../../gateway/explain/explain.ts';
import { readManifestsOnce } from '../../gateway/provider/files/index.ts';
import { DEFAULT_ACCESS_LOG } from '../../gateway/admin/access-log.ts';

const DIST = resolve(import.meta.dirname, '../../dist');
// Own loopback /24 and port offset, so concurrent test files and `npm start` never collide.
const SUBNET = 100 + Math.floor(Math.random() * 100);
const OFFSET = 21000;

interface Ctx { dir: string; backends: DemoBackends; gw: RunningGateway; address: string; manifests: string[]; token: string; jwt: string }
const t = suite<Ctx>('explain vs serve');

t.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'portico-explain-'));
  const { snapshot } = await readManifestsOnce([DIST]);
  // The example's Gateway-wide SecurityPolicy needs its JWKS Secret; requests carry the demo token
  // (explain predicts routing, not authentication).
  const jwt = await demoJwt();
  ctx.jwt = jwt.token;
  writeFileSync(join(ctx.dir, 'secrets.yaml'), [...demoSecrets(snapshot), jwt.secret].map((s) => stringify(s)).join('---\n'));
  ctx.backends = await startDemoBackends(snapshot.services, { prefix: `127.${SUBNET}.2.` });
  writeFileSync(join(ctx.dir, 'endpoints.yaml'), ctx.backends.endpointSlices.map((s) => stringify(s)).join('---\n'));
  ctx.manifests = [DIST, join(ctx.dir, 'secrets.yaml'), join(ctx.dir, 'endpoints.yaml')];
  // /config then needs the token: explain --admin must send it.
  ctx.token = join(ctx.dir, 'admin-token');
  writeFileSync(ctx.token, 'explain-test-token-0123456789\n');
  ctx.gw = await startGateway({
    adminTokenFile: ctx.token,
    manifests: ctx.manifests, controllerName: 'portico.dev/gateway-controller', portOffset: OFFSET,
    addressPool: `127.${SUBNET}.1.0/24`, bind: '127.0.0.1', admin: '127.0.0.1:0', accessLog: { ...DEFAULT_ACCESS_LOG, mode: 'off' }, pollMs: 60_000,
  }, createLogger(() => {}, () => new Date().toISOString(), 'error'), () => new Date().toISOString());
  await ctx.gw.pipeline.idle();
  const state = ctx.gw.admin.state.current;
  assert.ok(state, 'the gateway applied no config');
  ctx.address = state.table.gateways.find((g) => g.key === 'portico-system/public')!.addresses[0]!;
});

t.after(async (ctx) => {
  await ctx.gw?.stop();
  await ctx.backends?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

interface Case { scheme: 'http' | 'https'; host: string; path: string; method?: string; headers?: Record<string, string>; expect: string }

// `expect` says what this request is about; the comparison with serve is what is asserted.
const CASES: Case[] = [
  { scheme: 'http', host: 'demo.shop.example.com', path: '/', expect: 'redirect' },
  { scheme: 'http', host: 'www.shop.example.com', path: '/cart?x=1', expect: 'redirect' },
  { scheme: 'http', host: 'other.example.org', path: '/', expect: '404' },
  { scheme: 'https', host: 'pay.example.net', path: '/', expect: 'forward' },
  { scheme: 'https', host: 'checkout.shop.example.com', path: '/pay', expect: 'forward' },
  { scheme: 'https', host: 'api.shop.example.com', path: '/recommendations', expect: 'forward' },
  { scheme: 'https', host: 'api.shop.example.com', path: '/inventory/42', expect: 'forward' },
  { scheme: 'https', host: 'api.shop.example.com', path: '/inventory', method: 'POST', expect: '404' },
  { scheme: 'https', host: 'api.shop.example.com', path: '/api/v1/items?page=2', expect: 'forward' },
  { scheme: 'https', host: 'api.shop.example.com', path: '/search?q=shoes', expect: 'forward' },
  { scheme: 'https', host: 'api.shop.example.com', path: '/nothing-here', expect: '404' },
  { scheme: 'https', host: 'www.shop.example.com', path: '/', headers: { 'x-canary': 'true' }, expect: 'forward' },
  { scheme: 'https', host: 'www.shop.example.com', path: '/', headers: { 'x-canary': 'false' }, expect: 'forward' },
  { scheme: 'https', host: 'unknown.example.com', path: '/', expect: '404' },
  { scheme: 'https', host: 'www.shop.example.com', path: '/', headers: { host: 'pay.example.net' }, expect: '421' },
  // The data plane normalises the path before matching: explain must too.
  { scheme: 'https', host: 'api.shop.example.com', path: '/%73earch', expect: 'forward' },
  { scheme: 'https', host: 'api.shop.example.com', path: '/search%2Fx', expect: '400' },
];

interface Answer { status: number; headers: IncomingHttpHeaders; json: any }

function send(ctx: Ctx, c: Case): Promise<Answer> {
  const port = (c.scheme === 'https' ? 443 : 80) + OFFSET;
  return new Promise((done, fail) => {
    const req = (c.scheme === 'https' ? httpsRequest : httpRequest)({
      host: ctx.address, port, path: c.path, method: c.method ?? 'GET', agent: false, timeout: 5000,
      headers: { host: `${c.host}:${port}`, authorization: `Bearer ${ctx.jwt}`, ...c.headers }, servername: c.host, rejectUnauthorized: false,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        let json: any;
        try { json = JSON.parse(body); } catch { /* not an echo answer */ }
        done({ status: res.statusCode ?? 0, headers: res.headers, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${c.scheme}://${c.host}${c.path} timed out`)));
    req.on('error', fail);
    req.end();
  });
}

async function explainCli(args: string[]): Promise<{ code: number; e: Explanation }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['explain', ...args, '-o', 'json'], { out: (l) => out.push(l), err: (l) => err.push(l), now: () => new Date().toISOString(), cwd: process.cwd() });
  assert.ok(out.length > 0, `explain printed nothing: ${err.join('\n')}`);
  return { code, e: JSON.parse(out.join('\n')) };
}

function argsFor(c: Case): string[] {
  const port = (c.scheme === 'https' ? 443 : 80) + OFFSET;
  const headers = Object.entries(c.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  return [`${c.scheme}://${c.host}:${port}${c.path}`, ...headers, '--method', c.method ?? 'GET', '--port-offset', String(OFFSET)];
}

/** The Gateway that takes the request on this address (the test sends to public's address). */
function taker(e: Explanation): GatewayView | undefined {
  return e.gateways.find((g) => g.gateway === 'portico-system/public' && g.accepted);
}

t('explain answers what serve does, for every request, from the manifests and from the running gateway', async (ctx) => {
  const seen = new Set<string>();
  for (const c of CASES) {
    const label = `${c.method ?? 'GET'} ${c.scheme}://${c.host}${c.path} ${JSON.stringify(c.headers ?? {})}`;
    const fromManifests = await explainCli([...argsFor(c), '--exact-refs', '--manifests', ...ctx.manifests]);
    const fromAdmin = await explainCli([...argsFor(c), '--admin', ctx.gw.admin.address, '--admin-token-file', ctx.token]);
    const g = taker(fromManifests.e);
    const o = g?.outcome ?? { kind: 'respond', status: 404, reason: 'no gateway accepts it' };
    assert.equal(taker(fromAdmin.e)?.outcome, g?.outcome, `${label}: --admin and --manifests agree`);
    const real = await send(ctx, c);
    switch (o.kind) {
      case 'forward': {
        assert.is(real.status, 200, `${label}: explain says forwarded`);
        const may = o.backends.filter((b) => b.share > 0).map((b) => b.backend);
        assert.ok(real.json?.service, `${label}: a demo backend answered`);
        assert.ok(may.includes(`Service ${real.json.namespace}/${real.json.service}:8080`), `${label}: ${real.json.service} answered, explain said ${may.join(', ')}`);
        assert.is(fromManifests.code, 0);
        break;
      }
      case 'redirect':
        assert.is(real.status, o.status, `${label}: redirect status`);
        assert.is(real.headers.location, o.location, `${label}: Location`);
        assert.is(fromManifests.code, 0);
        break;
      case 'respond':
        assert.is(real.status, o.status, `${label}: explain says ${o.status} (${o.reason})`);
        assert.is(fromManifests.code, 1, `${label}: not served, exit 1`);
        break;
    }
    seen.add(o.kind === 'respond' ? String(o.status) : o.kind);
    assert.is(o.kind === 'respond' ? String(o.status) : o.kind, c.expect, `${label}: the case tests what it says`);
  }
  assert.equal([...seen].sort(), ['400', '404', '421', 'forward', 'redirect']);
});

t('--admin with the gateway\'s token file; without it the admin endpoint refuses: exit 2', async (ctx) => {
  const err: string[] = [];
  const io = { out: () => {}, err: (l: string) => err.push(l), now: () => new Date().toISOString(), cwd: process.cwd() };
  assert.is(await main(['explain', 'https://pay.example.net/', '--admin', ctx.gw.admin.address], io), 2);
  assert.match(err.join('\n'), '401');
  assert.is(await main(['status', '--admin', ctx.gw.admin.address, '--admin-token-file', ctx.token], io), 0, err.join('\n'));
});

t('why the other rules lost: the failed condition, and precedence for a rule that also matches', async (ctx) => {
  const { e } = await explainCli(['https://api.shop.example.com/inventory', '--method', 'POST', '--exact-refs', '--manifests', ...ctx.manifests]);
  const g = taker(e)!;
  const inventory = g.rules.find((r) => r.route === 'HTTPRoute shop/inventory')!;
  assert.not.ok(inventory.matches);
  assert.equal(inventory.conditions.filter((c) => !c.holds).map((c) => c.what), ['method GET']);
  assert.is(g.outcome.kind, 'respond');
  const canary = await explainCli(['https://www.shop.example.com/', '-H', 'x-canary: true', '--exact-refs', '--manifests', ...ctx.manifests]);
  const rules = taker(canary.e)!.rules;
  assert.ok(rules[0]!.selected, 'the canary rule wins');
  assert.ok(rules[1]!.matches && !rules[1]!.selected);
  assert.match(rules[1]!.why, 'precedence');
  // As serve --encoded-slash redirect would: a 308 to the decoded path instead of the default 400.
  const redirected = await explainCli(['https://api.shop.example.com/search%2Fx', '--encoded-slash', 'redirect', '--exact-refs', '--manifests', ...ctx.manifests]);
  assert.equal(taker(redirected.e)!.outcome, { kind: 'redirect', status: 308, location: '/search/x' });
  const listeners = taker(canary.e)!.listeners;
  assert.ok(listeners.some((l) => !l.selected && /does not match www\.shop\.example\.com/.test(l.why)), JSON.stringify(listeners));
});

t('text output names the listener, route, rule, filters and backends', async (ctx) => {
  const out: string[] = [];
  const code = await main(['explain', 'https://api.shop.example.com/api/v1/items', '--manifests', ...ctx.manifests], {
    out: (l) => out.push(l), err: () => {}, now: () => new Date().toISOString(), cwd: process.cwd(),
  });
  const text = out.join('\n');
  assert.is(code, 0, text);
  assert.match(text, /✔ portico-system\/public\/https \[HTTPS \*\.example\.com\]/);
  assert.match(text, /✔ #\d+ HTTPRoute shop\/api v1 /);
  assert.match(text, /URLRewrite: upstream request: Host api\.shop\.example\.com, path \/v1\/items/);
  assert.match(text, /Service shop\/api:8080 http1: weight 1, 100%; endpoints: 127\.\d+\.2\.\d+:\d+/);
  assert.match(text, /outcome: forwarded to Service shop\/api:8080/);
});

t.run();
