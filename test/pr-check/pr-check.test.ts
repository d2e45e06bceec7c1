// The PR check script (scripts/pr-check/pr-check.mjs) on a temporary app repository with real
// commits: a tenant app (helpers/app-repo.ts: cdk8s, a route on the platform's Gateway) whose main branch has the
// synthesized dist/ committed, and a feature branch that re-weights a route, then one that
// breaks an ownership rule. The report is written to a file (the dry-run mode); the GitHub call
// is tested on its own against a loopback stand-in for the API.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO, runNode, tsxArgv, withTempDir } from '../helpers/cli.ts';
import { MARKER, upsertComment } from '../../scripts/pr-check/github-comment.mjs';
import { shopMainTs, writeShopApp } from '../helpers/app-repo.ts';

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', ...args], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
}

async function prCheck(dir: string, extra: string[] = []) {
  return runNode([...tsxArgv('scripts/pr-check/pr-check.mjs'), '--base', 'main', '--dir', dir, '--tenants', 'platform-tenants.yaml', '--tenant', 'shop',
    '--portico', join(REPO, 'gateway/cli.ts'), '--no-install', '--output', join(dir, 'report.md'), ...extra], {
    timeoutMs: 120_000, timeoutMessage: (r) => `pr-check timed out\n${r.output}`,
  });
}

test('pr-check on two commits of an app repo: the Markdown report of the change; then an ownership violation fails it', async () => {
  await withTempDir('portico-pr-check-', {}, async (d) => {
    // Dependencies "installed": the repository's own node_modules (cdk8s, cdk8s-cli, tsx, node).
    writeShopApp(d);
    git(d, 'init', '-q', '-b', 'main');
    // The target branch holds the synthesized manifests, as Argo CD reads them.
    execFileSync(join(d, 'node_modules/.bin/cdk8s'), ['synth', '--no-check-upgrade'], { cwd: d, stdio: 'pipe', env: { ...process.env, PATH: `${join(d, 'node_modules/.bin')}:${process.env.PATH}` } });
    git(d, 'add', '-A');
    git(d, 'commit', '-qm', 'shop: web route');
    git(d, 'checkout', '-q', '-b', 'canary');
    writeFileSync(join(d, 'main.ts'), shopMainTs({ weights: [90, 10] }));
    git(d, 'commit', '-qam', 'shop: 10% to web-v2');

    const ok = await prCheck(d);
    assert.is(ok.code, 0, ok.output);
    const report = readFileSync(join(d, 'report.md'), 'utf8');
    assert.ok(report.startsWith(`${MARKER}\n## Portico check: ✅ passed`), report);
    assert.match(report, 'Compared with `main`; manifests `dist`.');
    assert.match(report, '| `GET http://www.shop.example.com/` | web-v1:8080 | web-v1:8080 90%, web-v2:8080 10% |');
    assert.match(report, '- **listener http (HTTP :80)**');
    assert.match(report, '    - backends: `web-v1:8080` → `web-v1:8080 90%, web-v2:8080 10%`');
    assert.match(report, /<sub>synth \d+\.\d s · validate \d+\.\d s · diff \d+\.\d s<\/sub>/);

    writeFileSync(join(d, 'main.ts'), shopMainTs({ weights: [90, 10], hostname: 'www.payments.example.com' }));
    git(d, 'commit', '-qam', 'shop: take a payments hostname');
    const bad = await prCheck(d);
    assert.is(bad.code, 1, bad.output);
    const failed = readFileSync(join(d, 'report.md'), 'utf8');
    assert.match(failed, `${MARKER}\n## Portico check: ❌ problems found`);
    assert.match(failed, '#### ❌ cdk8s synth failed');
    assert.match(failed, /HTTPRoute shop\/web spec\.hostnames\[0\]:? "www\.payments\.example\.com" is not owned by tenant "shop"/);
  });
});

test('pr-check refuses to run without --base or without a place for the report', async () => {
  const r = await runNode([...tsxArgv('scripts/pr-check/pr-check.mjs'), '--output', 'x.md'], { timeoutMessage: () => 'timed out' });
  assert.is(r.code, 2);
  assert.match(r.stderr, '--base REF is required');
  const s = await runNode([...tsxArgv('scripts/pr-check/pr-check.mjs'), '--base', 'main'], { timeoutMessage: () => 'timed out' });
  assert.is(s.code, 2);
  assert.match(s.stderr, 'give --output FILE');
});

test('the PR comment: created once, then the marked comment is updated (found on a later page)', async () => {
  const comments: { id: number; body: string }[] = [{ id: 1, body: 'a human comment' }];
  const calls: string[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      calls.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      const url = new URL(req.url!, 'http://x');
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'GET' && url.pathname === '/repos/acme/shop/issues/7/comments') {
        // One comment per page, to exercise rel="next".
        const page = Number(url.searchParams.get('page') ?? '1');
        const next: Record<string, string> = page < comments.length ? { link: `<http://${req.headers.host}/repos/acme/shop/issues/7/comments?per_page=100&page=${page + 1}>; rel="next"` } : {};
        return reply(200, comments.slice(page - 1, page), next);
      }
      if (req.method === 'POST' && url.pathname === '/repos/acme/shop/issues/7/comments') {
        const c = { id: comments.length + 1, body: JSON.parse(text).body };
        comments.push(c);
        return reply(201, { ...c, html_url: `https://github.example/c/${c.id}` });
      }
      const m = /^\/repos\/acme\/shop\/issues\/comments\/(\d+)$/.exec(url.pathname);
      if (req.method === 'PATCH' && m) {
        const c = comments.find((x) => x.id === Number(m[1]))!;
        c.body = JSON.parse(text).body;
        return reply(200, { ...c, html_url: `https://github.example/c/${c.id}` });
      }
      reply(404, { message: 'not found' });
    });
  });
  await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  const api = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const first = await upsertComment({ api, repo: 'acme/shop', pr: 7, token: 't0k', body: 'first report' });
    assert.equal(first, { action: 'created', url: 'https://github.example/c/2' });
    assert.is(comments[1]!.body, `${MARKER}\nfirst report`);
    const second = await upsertComment({ api, repo: 'acme/shop', pr: 7, token: 't0k', body: `${MARKER}\nsecond report` });
    assert.equal(second, { action: 'updated', url: 'https://github.example/c/2' });
    assert.is(comments.length, 2);
    assert.is(comments[1]!.body, `${MARKER}\nsecond report`);
    assert.is(comments[0]!.body, 'a human comment');
    assert.ok(calls.every((c) => c.endsWith('Bearer t0k')), calls.join('\n'));
  } finally {
    server.close();
  }
});

test('the reusable workflow: workflow_call, runs the script, inputs reach shells only through env', () => {
  const wf = parse(readFileSync(join(REPO, '.github/workflows/portico-pr-check.yml'), 'utf8'));
  assert.ok(wf.on.workflow_call, 'a reusable workflow');
  const steps = wf.jobs.check.steps as { run?: string; env?: Record<string, string> }[];
  const check = steps.find((s) => s.run?.includes('node "$CHECK_SCRIPT"'));
  assert.ok(check, 'a step runs the check script');
  for (const flag of ['--base', '--github', '--pr', '--output', '--tenants', '--tenant', '--manifests', '--no-synth', '--no-install']) assert.match(check!.run!, flag);
  // Expressions in run: would be spliced into the script text (injection); env: is data.
  assert.equal(steps.filter((s) => s.run?.includes('${{')).map((s) => s.run), []);
  assert.is(wf.jobs.check.permissions['pull-requests'], 'write');
  const own = parse(readFileSync(join(REPO, '.github/workflows/pr.yml'), 'utf8'));
  assert.is(own.jobs.portico.uses, './.github/workflows/portico-pr-check.yml');
  assert.is(own.jobs.portico.with['tenants-file'], 'platform-tenants.yaml');
});

test.run();
