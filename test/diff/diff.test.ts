// `portico diff` over golden pairs: each case is a base and a head manifest set (scenario.ts)
// and the Markdown the diff prints (golden/<case>.md, UPDATE_GOLDEN=1 rewrites). Besides the
// golden text, each case states the facts a reviewer relies on: the exit code and the lines
// that say what moved. Runs the real CLI entry (main) in-process, and once as git revisions.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { main } from '../../gateway/cli.ts';
import { withTempDir } from '../helpers/cli.ts';
import { assertGolden } from '../helpers/golden.ts';
import { CASES, scenario } from './scenario.ts';

const GOLDEN = resolve(import.meta.dirname, 'golden');

async function diff(base: string, head: string, args: string[] = ['-o', 'md']): Promise<{ code: number; out: string; err: string }> {
  return withTempDir('portico-diff-', {}, async (d) => {
    mkdirSync(join(d, 'base'));
    mkdirSync(join(d, 'head'));
    writeFileSync(join(d, 'base', 'app.yaml'), base);
    writeFileSync(join(d, 'head', 'app.yaml'), head);
    return run(['diff', ...args, 'base', 'head'], d);
  });
}

async function run(args: string[], cwd: string) {
  let out = '', err = '';
  const code = await main(args, { out: (l) => (out += `${l}\n`), err: (l) => (err += `${l}\n`), now: () => '2026-12-06T00:00:00Z', cwd });
  return { code, out, err };
}

const results = new Map<string, { code: number; out: string; err: string }>();
async function caseResult(name: string) {
  if (!results.has(name)) {
    const [b, h] = CASES[name]!;
    results.set(name, await diff(scenario(b), scenario(h)));
  }
  return results.get(name)!;
}

for (const name of Object.keys(CASES)) {
  test(`golden: ${name}`, async () => {
    const r = await caseResult(name);
    assertGolden(name, r.out, GOLDEN, 'md');
  });
}

test('route added: the new rule and the request it takes over', async () => {
  const r = await caseResult('route-added');
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, '| `GET http://www.example.com/cart` | web-v1:8080 | cart:8080 |');
  assert.match(r.out, 'rule added on `www.example.com`: HTTPRoute shop/cart rule cart → `cart:8080` when `path = /cart`');
});

test('route removed: its requests now get 404', async () => {
  const r = await caseResult('route-removed');
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, '| `GET http://api.example.com/v1` | cart:8080 | 404 (no route) |');
  assert.match(r.out, 'hostname removed: `api.example.com`');
  assert.match(r.out, 'rule removed on `api.example.com`: HTTPRoute shop/shop-api rule v1');
});

test('re-weighted: the new shares, per request and per rule', async () => {
  const r = await caseResult('route-reweighted');
  assert.is(r.code, 0);
  assert.match(r.out, '| `GET http://www.example.com/` | web-v1:8080 | web-v1:8080 90%, web-v2:8080 10% |');
  assert.match(r.out, 'backends: `web-v1:8080` → `web-v1:8080 90%, web-v2:8080 10%`');
});

test('hostname moved between listeners: reported as a move, requests follow the port', async () => {
  const r = await caseResult('hostname-moved');
  assert.is(r.code, 0, r.out);
  assert.match(r.out, '- `www.example.com` on Gateway infra/edge: listener web → alt');
  assert.match(r.out, '| `GET http://www.example.com/` | web-v1:8080 | 404 (no route) |');
  assert.match(r.out, '| `GET http://www.example.com:81/` | 404 (no route) | web-v1:8080 |');
});

test('filter changed: the rule change names the filter; no request changes destination', async () => {
  const r = await caseResult('filter-changed');
  assert.is(r.code, 0);
  assert.match(r.out, 'filters: `ResponseHeaderModifier (set x-served-by: portico)` → `ResponseHeaderModifier (set x-served-by: portico-v2)`');
  assert.match(r.out, '0 requests change destination');
});

test('route losing acceptance: exit 1, the condition regression and the lost requests', async () => {
  const r = await caseResult('route-loses-acceptance');
  assert.is(r.code, 1, r.out);
  assert.match(r.out, '### Portico: ❌ this change introduces problems');
  assert.match(r.out, /- ❌ HTTPRoute shop\/shop-api parent infra\/edge\/web Accepted: `True \(Accepted\)` → `False \(NoMatchingListenerHostname\)`/);
  assert.match(r.out, '| `GET http://api.example.com/v1` | cart:8080 | 404 (no route) |');
  assert.match(r.out, '#### Problems introduced');
});

test('certificate reference broken: exit 1, the listener turns invalid, HTTPS requests find no listener', async () => {
  const r = await caseResult('certificate-ref-broken');
  assert.is(r.code, 1, r.out);
  assert.match(r.out, /- ❌ Gateway infra\/edge listener secure ResolvedRefs: `True \(ResolvedRefs\)` → `False \(RefNotPermitted\)`/);
  assert.match(r.out, /- ❌ Gateway infra\/edge listener secure Programmed: `True \(Programmed\)` → `False \(Invalid\)`/);
  assert.match(r.out, '| `GET https://www.example.com/` | web-v1:8080 | no listener on port 443 (connection refused) |');
});

test('no change: exit 0 and nothing moves; text and JSON outputs agree with Markdown', async () => {
  const same = await diff(scenario(), scenario(), ['-o', 'text']);
  assert.is(same.code, 0);
  assert.match(same.out, 'portico diff: no problems introduced; 0 requests change destination, 0 route rule changes, 0 status changes, 0 problems introduced');
  const [b, h] = CASES['route-reweighted']!;
  const json = await diff(scenario(b), scenario(h), ['-o', 'json']);
  const parsed = JSON.parse(json.out);
  assert.is(parsed.failing, false);
  assert.equal(parsed.requests.map((x: any) => [x.request, x.before.destination, x.after.destination, x.after.answer]),
    [['GET http://www.example.com/', 'web-v1:8080', 'web-v1:8080 90%, web-v2:8080 10%', { kind: 'backend', backends: ['shop/web-v1', 'shop/web-v2'] }]]);
});

test('git revisions: <base>..<head> <path> reads the path at each commit; a bad revision is a usage error', async () => {
  await withTempDir('portico-diff-git-', {}, async (d) => {
    const git = (...a: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...a], { cwd: d, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    mkdirSync(join(d, 'dist'));
    const [b, h] = CASES['route-reweighted']!;
    writeFileSync(join(d, 'dist', 'app.yaml'), scenario(b));
    git('add', '-A');
    git('commit', '-qm', 'base');
    writeFileSync(join(d, 'dist', 'app.yaml'), scenario(h));
    git('commit', '-qam', 'head');
    const r = await run(['diff', '-o', 'md', 'HEAD~1..HEAD', 'dist/'], d);
    assert.is(r.code, 0, r.err);
    assert.is(r.out, (await caseResult('route-reweighted')).out);
    const worktree = await run(['diff', '-o', 'md', 'HEAD~1..', 'dist/'], d);
    assert.is(worktree.out, r.out);
    const bad = await run(['diff', 'no-such-branch..HEAD', 'dist/'], d);
    assert.is(bad.code, 2);
    assert.match(bad.err, '"no-such-branch" is not a commit');
    const option = await run(['diff', '--', '--output=x..HEAD', 'dist/'], d);
    assert.is(option.code, 2);
  });
});

test.run();
