// `npm start`: synth the example app, start a demo backend per Service, serve it all through
// Portico and print curl commands to try. `npm start -- --check` (or START_CHECK=1) sends those
// requests itself and exits 0 when at least one reached a demo backend (CI's smoke test).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import type { RoutingTable } from '../gateway/ir/index.ts';
import { readManifestsOnce } from '../gateway/provider/files/index.ts';
import { startGateway } from '../gateway/cli/serve.ts';
import { createLogger } from '../gateway/admin/log.ts';
import { DEFAULT_ACCESS_LOG } from '../gateway/admin/access-log.ts';
import { onShutdown, writeStderr } from '../gateway/runtime/node.ts';
import { startDemoBackends } from './demo-backends.ts';
import { explain, type Outcome } from '../gateway/explain/explain.ts';
import { outcomeLine } from '../gateway/explain/format.ts';
import { demoSecrets } from './demo-certs.ts';
import { startLocalRedis, type LocalRedis } from './local-redis.ts';
import { demoJwt, type DemoJwt } from './demo-jwt.ts';

const ROOT = resolve(import.meta.dirname, '..');

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    check: { type: 'boolean', default: process.env.START_CHECK === '1' },
    synth: { type: 'boolean', default: true },
    'no-synth': { type: 'boolean', default: false },
    manifests: { type: 'string', multiple: true },
    'port-offset': { type: 'string', default: '8000' },
    'address-pool': { type: 'string', default: '127.0.1.0/24' },
    admin: { type: 'string' },
    'controller-name': { type: 'string', default: 'portico.dev/gateway-controller' },
  },
});

export interface TryRequest {
  /** "namespace/name" of the Gateway whose address the request is sent to. */
  gateway: string;
  scheme: 'http' | 'https';
  host: string;
  address: string;
  port: number;
  path: string;
  method: string;
  headers: Record<string, string>;
  route: string;
  curl: string;
  /** The rule's effective SecurityPolicy wants a JWT (the request carries the demo token). */
  jwt: boolean;
  /** The rule's effective SecurityPolicy has authorization rules (e.g. an IP allow-list). */
  authorization: boolean;
  /** The rule's effective TrafficPolicy: its request body limit (bytes) and global rate limit. */
  maxBody?: number;
  globalLimit?: { policy: string; requests: number; failOpen: boolean };
  /** A request body to send (the traffic checks). */
  body?: Buffer;
}

/** One request per (listener, hostname, route) the table serves, with what it must carry to match. */
export function requestsToTry(table: RoutingTable, portOffset: number, token?: string): TryRequest[] {
  const out: TryRequest[] = [];
  const seen = new Set<string>();
  for (const gw of table.gateways) {
    const address = gw.addresses[0];
    if (!address) continue;
    for (const p of gw.ports) {
      for (const l of p.listeners) {
        if (l.protocol !== 'HTTP' && l.protocol !== 'HTTPS') continue;
        for (const bucket of l.http ?? []) {
          for (const rule of bucket.rules) {
            const route = `${rule.route.kind}/${rule.route.namespace}/${rule.route.name}${rule.route.ruleName ? `#${rule.route.ruleName}` : ` rule ${rule.route.ruleIndex}`}`;
            const pattern = bucket.hostname !== '*' ? bucket.hostname : l.hostname;
            const host = !pattern ? address : pattern.startsWith('*.') ? `demo.${pattern.slice(2)}` : pattern;
            const key = `${l.id}|${host}|${route}|${rule.route.ruleIndex}`;
            if (seen.has(key) || rule.direct || rule.grpc) continue;
            seen.add(key);
            const m = rule.match;
            let path = m.path.type === 'RegularExpression' ? '/' : m.path.value;
            const query = m.queryParams.filter((q) => q.type === 'Exact').map((q) => `${encodeURIComponent(q.name)}=${encodeURIComponent(q.value)}`);
            if (query.length) path += `?${query.join('&')}`;
            const headers: Record<string, string> = Object.fromEntries(m.headers.filter((h) => h.type === 'Exact').map((h) => [h.name, h.value]));
            const security = rule.policies?.security;
            const jwt = security?.jwt !== undefined && !security.jwt.optional;
            if (jwt && token) headers.authorization = `Bearer ${token}`;
            const scheme = l.protocol === 'HTTPS' ? 'https' : 'http';
            const port = p.port + portOffset;
            const method = m.method ?? 'GET';
            const hostArg = host === address ? '' : ` --resolve ${host}:${port}:${address}`;
            // -i: the status line and headers, so a redirect shows its Location.
            const curl = `curl -sSi${scheme === 'https' ? 'k' : ''}${method !== 'GET' ? ` -X ${method}` : ''}${hostArg}` +
              Object.entries(headers).map(([k, v]) => (k === 'authorization' && token ? ' -H "Authorization: Bearer $PORTICO_DEMO_TOKEN"' : ` -H '${k}: ${v}'`)).join('') + ` '${scheme}://${host}:${port}${path}'`;
            const traffic = rule.policies?.traffic;
            const global = traffic?.rateLimit?.global;
            out.push({
              gateway: gw.key, scheme, host, address, port, path, method, headers, route, curl, jwt, authorization: security?.authorization !== undefined,
              ...(traffic?.requestBody?.maxRequestBodyBytes ? { maxBody: traffic.requestBody.maxRequestBodyBytes } : {}),
              ...(global?.length ? { globalLimit: { policy: traffic!.rateLimit!.id, requests: Math.min(...global.map((g) => g.requests)), failOpen: traffic!.rateLimit!.failOpen } } : {}),
            });
          }
        }
      }
    }
  }
  return out;
}

export function send(r: TryRequest, timeoutMs = 3000, localAddress?: string): Promise<{ status: number; body: string; location?: string }> {
  return new Promise((done) => {
    const opts = { host: r.address, port: r.port, path: r.path, method: r.method, timeout: timeoutMs, agent: false as const, ...(localAddress ? { localAddress } : {}),
      headers: { host: `${r.host}:${r.port}`, ...r.headers }, servername: r.host === r.address ? undefined : r.host, rejectUnauthorized: false };
    const req = (r.scheme === 'https' ? httpsRequest : httpRequest)(opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body, location: res.headers.location }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => done({ status: 0, body: err.message }));
    req.end(r.body);
  });
}

/**
 * TrafficPolicy, from the other side: a body one byte over a rule's requestBody.maxSize is 413;
 * a global rate limit answers 429 within `requests` + 1 more requests when Redis counts it (the
 * earlier checks may have used part of the window), and fails open (no 429) without Redis.
 */
export async function checkTraffic(tries: TryRequest[], redis: boolean): Promise<{ ok: boolean; line: string }[]> {
  const out: { ok: boolean; line: string }[] = [];
  const url = (t: TryRequest) => `${t.scheme}://${t.host}:${t.port}${t.path}`;
  const sized = tries.find((t) => t.maxBody !== undefined);
  if (sized) {
    const r = await send({ ...sized, method: 'POST', body: Buffer.alloc(sized.maxBody! + 1, 120) });
    const ok = r.status === 413;
    out.push({ ok, line: `${r.status || 'ERR'} POST ${url(sized)} with ${sized.maxBody! + 1} bytes -> ${ok ? `refused: over requestBody.maxSize (${sized.maxBody} bytes) (expected)` : 'UNEXPECTED: expected 413'}` });
  }
  const seen = new Set<string>();
  for (const t of tries) {
    const g = t.globalLimit;
    if (!g || seen.has(g.policy)) continue;
    seen.add(g.policy);
    let limited = 0;
    let sent = 0;
    for (; sent < g.requests + 1 && limited === 0; sent++) if ((await send(t)).status === 429) limited = sent + 1;
    const ok = redis ? limited > 0 : limited === 0 && g.failOpen;
    out.push({ ok, line: redis
      ? `${limited ? 429 : 'no 429'} ${url(t)}, request ${limited || sent} of a burst -> ${ok ? `rate limited by ${g.policy} (${g.requests}/window, counted in Redis) (expected)` : `UNEXPECTED: expected a 429 within ${g.requests + 1} requests`}`
      : `${ok ? 200 : 429} ${url(t)} x${sent} -> ${ok ? `${g.policy} fails open without Redis (expected)` : 'UNEXPECTED'}` });
  }
  return out;
}

export interface CheckResult { ok: boolean; kind: Outcome['kind']; status: number; line: string }

/**
 * What the request should get, by `portico explain` over the served table (the data plane's own
 * matching), against what it got: a demo backend among the route's, the redirect with its
 * Location, or the gateway's own status.
 */
export function checkTry(t: TryRequest, table: RoutingTable, portOffset: number, res: { status: number; body: string; location?: string }): CheckResult {
  const e = explain(table, { url: `${t.scheme}://${t.host}:${t.port}${t.path}`, method: t.method, headers: t.headers, portOffset, gateways: [t.gateway] });
  const want = e.gateways.find((g) => g.accepted)?.outcome ?? { kind: 'respond', status: 404, reason: 'no listener accepts it' } as const;
  let service = '';
  let namespace = '';
  try { ({ service = '', namespace = '' } = JSON.parse(res.body)); } catch { /* not an echo answer */ }
  const got = service ? `demo backend ${service}` : res.location !== undefined ? `Location: ${res.location}` : res.body.slice(0, 120).replace(/\s+/g, ' ');
  switch (want.kind) {
    case 'forward': {
      const ok = service !== '' && want.backends.some((b) => b.share > 0 && b.backend === `Service ${namespace}/${service}:${b.backend.split(':').pop()}`);
      return { ok, kind: want.kind, status: res.status, line: ok ? got : `UNEXPECTED: ${got}; expected ${outcomeLine(want)}` };
    }
    case 'redirect': {
      const ok = res.status === want.status && res.location === want.location;
      return { ok, kind: want.kind, status: res.status, line: ok ? `redirect to ${want.location} (expected)` : `UNEXPECTED: ${got}; expected ${outcomeLine(want)}` };
    }
    case 'respond': {
      const ok = res.status === want.status;
      return { ok, kind: want.kind, status: res.status, line: ok ? `${want.reason} (expected)` : `UNEXPECTED: ${got}; expected ${outcomeLine(want)}` };
    }
  }
}

function synth(): void {
  if (!existsSync(join(ROOT, 'apps/main.ts'))) {
    writeStderr('apps/main.ts does not exist yet: serving the manifests already in dist/');
    return;
  }
  writeStderr('synthesizing apps/main.ts into dist/ (npx cdk8s synth) ...');
  const bin = join(ROOT, 'node_modules/.bin');
  // No upgrade check: without access to its update URL cdk8s-cli prints a stack trace.
  const r = spawnSync(join(bin, 'cdk8s'), ['synth', '--no-check-upgrade'], {
    cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', PATH: `${bin}${delimiter}${process.env.PATH}` },
  });
  if (r.status !== 0) writeStderr(`synth failed (exit ${r.status}); serving whatever is in dist/`);
}

async function main(): Promise<number> {
  const manifests = values.manifests ?? [join(ROOT, 'dist')];
  if (!values.manifests && values.synth && !values['no-synth']) synth();
  for (const m of manifests) if (!existsSync(m)) { writeStderr(`no manifests at ${m}: run \`npm run synth\` or pass --manifests <dir>`); return 1; }

  const { snapshot } = await readManifestsOnce(manifests);
  const backends = await startDemoBackends(snapshot.services);
  const endpointsDir = mkdtempSync(join(tmpdir(), 'portico-demo-endpoints-'));
  writeFileSync(join(endpointsDir, 'endpointslices.yaml'), backends.endpointSlices.map((s) => stringify(s)).join('---\n'));
  // In a cluster cert-manager would issue the listeners' certificates; locally we make them.
  // The identity provider's signing key is also made here: its JWKS as the Secret the platform's
  // SecurityPolicy names, and a token signed with it to send.
  const jwt: DemoJwt = await demoJwt();
  writeFileSync(join(endpointsDir, 'demo-secrets.yaml'), [...demoSecrets(snapshot), jwt.secret].map((s) => stringify(s)).join('---\n'));

  const portOffset = Number(values['port-offset']);
  const log = createLogger(writeStderr, () => new Date().toISOString(), values.check ? 'warn' : 'info');
  // Global rate limits (TrafficPolicy) count in Redis: a local redis-server when there is one;
  // without it they run as Redis-down (the example's policies fail open).
  let redis: LocalRedis | undefined;
  try {
    redis = await startLocalRedis();
    writeStderr(`rate limits: started redis-server for global limits at ${redis.url} (stopped with npm start)`);
  } catch (err) {
    writeStderr(`rate limits: no Redis (${(err as Error).message}); global limits run fail-open`);
  }
  const gw = await startGateway({
    manifests: [...manifests, endpointsDir], controllerName: values['controller-name']!, portOffset,
    addressPool: values['address-pool'], bind: '127.0.0.1', admin: values.admin ?? (values.check ? '127.0.0.1:0' : '127.0.0.1:9901'),
    accessLog: { ...DEFAULT_ACCESS_LOG, mode: values.check ? 'off' : 'stdout' }, pollMs: 2000,
    rateLimitRedis: redis?.url,
  }, log, () => new Date().toISOString()).catch(async (err: unknown) => {
    await redis?.stop(); // not left running after a failed start
    throw err;
  });
  await gw.pipeline.idle();
  const cleanup = async () => {
    await gw.stop();
    await backends.close();
    await redis?.stop();
    rmSync(endpointsDir, { recursive: true, force: true });
  };

  const state = gw.admin.state.current;
  const tries = state ? requestsToTry(state.table, portOffset, jwt.token) : [];
  console.log(`\nPortico is serving ${manifests.join(', ')} with ${backends.backends.length} demo backends.`);
  console.log(`admin: http://${gw.admin.address}/status  /config  /metrics   (or: npx portico status --admin ${gw.admin.address})`);
  if (tries.length === 0) console.log('no HTTP routes are programmed: see the problems in /status');
  console.log(`\nroutes on the public Gateway need a JWT (SecurityPolicy require-jwt); a demo token, valid for an hour:\n  export PORTICO_DEMO_TOKEN=${jwt.token}`);
  console.log('\ntry:');
  for (const t of tries) console.log(`  ${t.curl}    # ${t.route}`);

  if (values.check) {
    const results = [];
    for (const t of tries) {
      const r = checkTry(t, state!.table, portOffset, await send(t));
      results.push(r);
      console.log(`${r.status || 'ERR'} ${t.scheme}://${t.host}:${t.port}${t.path} -> ${r.line}`);
    }
    // The security policies, from the other side: no token where one is required is 401; the
    // back office from an address outside its allow-list is 403 (127.0.0.2 is loopback too).
    const protectedTry = tries.find((t) => t.jwt && !t.authorization);
    if (protectedTry) {
      const { authorization: _drop, ...headers } = protectedTry.headers;
      const r = await send({ ...protectedTry, headers });
      results.push({ ok: r.status === 401, kind: 'respond', status: r.status, line: '' });
      console.log(`${r.status || 'ERR'} ${protectedTry.scheme}://${protectedTry.host}:${protectedTry.port}${protectedTry.path} without a token -> ${r.status === 401 ? 'refused: a JWT is required (expected)' : 'UNEXPECTED: expected 401'}`);
    }
    for (const t of tries.filter((x) => x.authorization)) {
      const r = await send(t, 3000, '127.0.0.2');
      results.push({ ok: r.status === 403, kind: 'respond', status: r.status, line: '' });
      console.log(`${r.status || 'ERR'} ${t.scheme}://${t.host}:${t.port}${t.path} from 127.0.0.2 -> ${r.status === 403 ? 'refused by the IP allow-list (expected)' : 'UNEXPECTED: expected 403'}`);
    }
    for (const r of await checkTraffic(tries, redis !== undefined)) {
      results.push({ ok: r.ok, kind: 'respond', status: 0, line: r.line });
      console.log(r.line);
    }
    await cleanup();
    const ok = results.filter((r) => r.ok);
    const count = (kind: string) => ok.filter((r) => r.kind === kind).length;
    const parts = [`${count('forward')} reached a demo backend`];
    if (count('redirect') > 0) parts.push(`${count('redirect')} redirected as configured`);
    if (count('respond') > 0) parts.push(`${count('respond')} answered by the gateway as configured`);
    console.log(`\n${ok.length}/${results.length} routes answered as expected: ${parts.join(', ')}`);
    if (count('redirect') > 0) console.log('(a redirect keeps the spec\'s port rules: its Location names the listener port, which npm start serves on port + --port-offset)');
    return ok.length === results.length && results.length > 0 ? 0 : 1;
  }
  console.log('\nCtrl-C to stop.');
  await new Promise<void>((r) => onShutdown(async () => { await cleanup(); r(); }));
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main();
  // Keep-alive sockets from curl users must not hold the process open after Ctrl-C.
  setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
}
