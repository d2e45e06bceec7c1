// The CLI contract every verb keeps: --help exits 0, --version prints package.json's version,
// exit 0 clean / 1 problems found / 2 usage or input error, `-` reads stdin, -o picks the format.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { withTempDir } from '../helpers/cli.ts';
import { GATEWAY_CLASS, httpGateway } from '../helpers/manifests.ts';
import { REPO, runCli } from './run-cli.ts';

const VERBS = ['serve', 'validate', 'translate', 'diff', 'explain', 'status', 'migrate'];

const clean = `${GATEWAY_CLASS}---
${httpGateway('gw', 'apps')}`;

test('portico --help, help, -h and every verb --help exit 0 on stdout; no verb exits 2 on stderr', async () => {
  for (const args of [['--help'], ['-h'], ['help']]) {
    const r = await runCli(args);
    assert.is(r.code, 0, r.stderr);
    for (const v of VERBS) assert.match(r.stdout, new RegExp(`^  ${v} `, 'm'), `${args}: lists ${v}`);
  }
  for (const v of VERBS) {
    const r = await runCli([v, '--help']);
    assert.is(r.code, 0, `${v} --help: ${r.stderr}`);
    assert.match(r.stdout, `usage: portico ${v} `);
    assert.match(r.stdout, '-h, --help');
    assert.is(r.stderr, '');
  }
  // --help wins over flags the verb does not know and over missing arguments.
  const odd = await runCli(['validate', '--no-such-flag', '-h']);
  assert.is(odd.code, 0, odd.stderr);
  const none = await runCli([]);
  assert.is(none.code, 2);
  assert.match(none.stderr, 'usage: portico <command>');
});

test('--version prints the version from package.json', async () => {
  const want = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version;
  for (const flag of ['--version', '-V']) {
    const r = await runCli([flag]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout.trim(), want);
  }
});

test('usage errors exit 2 on every verb: unknown flags, bad -o values', async () => {
  for (const v of VERBS) {
    const r = await runCli([v, '--no-such-flag']);
    assert.is(r.code, 2, `${v}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, `usage: portico ${v}`);
  }
  const bad = await runCli(['validate', '-o', 'xml', 'x.yaml']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, '-o must be one of text, json, yaml');
});

test('input errors exit 2: a missing file, YAML that does not parse, an empty directory, an unreachable admin', async () => {
  await withTempDir('portico-exit-', { 'broken.yaml': 'kind: [\n', 'ok.yaml': clean }, async (d) => {
    const missing = await runCli(['translate', join(d, 'nope.yaml')]);
    assert.is(missing.code, 2, missing.stdout);
    assert.match(missing.stderr, 'no such file or directory');
    const broken = await runCli(['translate', 'broken.yaml'], { cwd: d });
    assert.is(broken.code, 2, broken.stdout);
    assert.match(broken.stderr, /^broken\.yaml:2: .*does not parse/m);
    assert.is(broken.stdout, '');
    const vmissing = await runCli(['validate', join(d, 'nope')]);
    assert.is(vmissing.code, 2, vmissing.stdout + vmissing.stderr);
    // serve does not wait for a path that is not there: a typo exits 2 before anything listens.
    const smissing = await runCli(['serve', '--manifests', join(d, 'nope'), '--admin', '127.0.0.1:0']);
    assert.is(smissing.code, 2, smissing.stdout + smissing.stderr);
    assert.match(smissing.stderr, 'no such file or directory');
  });
  await withTempDir('portico-empty-', {}, async (d) => {
    const r = await runCli(['validate', d]);
    assert.is(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, 'no manifest files');
  });
  await withTempDir('portico-noobj-', { 'empty.yaml': '# nothing here\n' }, async (d) => {
    const r = await runCli(['validate', d]);
    assert.is(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, 'no objects Portico reads');
  });
  // Port 1 on loopback: nothing listens there.
  const s = await runCli(['status', '--admin', '127.0.0.1:1']);
  assert.is(s.code, 2, s.stdout + s.stderr);
  assert.match(s.stderr, 'cannot reach');
});

test('`-` reads manifests from stdin for validate, translate and explain; problems point at <stdin>:line', async () => {
  const ok = await runCli(['validate', '-'], { input: clean });
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, '2 objects, 0 errors');
  const bad = await runCli(['validate', '-o', 'json', '-'], { input: clean.replace('name: http, port: 80', 'name: HTTP!, port: 80') });
  assert.is(bad.code, 1, bad.stderr);
  const p = JSON.parse(bad.stdout).problems.find((x: any) => x.severity === 'error');
  assert.is(p.file, '<stdin>');
  assert.is(p.line, 11, JSON.stringify(p));
  const t = await runCli(['translate', '-o', 'json', '-'], { input: clean });
  assert.is(t.code, 0, t.stderr);
  assert.is(JSON.parse(t.stdout).table.gateways[0].key, 'apps/gw');
  const ex = await runCli(['explain', 'http://a.example.com/x', '--manifests', '-'], { input: clean });
  assert.is(ex.code, 1, 'accepted by listener http, but no route: 404 is a problem');
  assert.match(ex.stdout, 'Gateway apps/gw: accepts');
  assert.match(ex.stdout, 'outcome: answered by the gateway: 404');
  const twice = await runCli(['validate', '-', '-'], { input: clean });
  assert.is(twice.code, 2);
});

test('-o yaml and json carry the same problems; --format stays an alias of -o for validate', async () => {
  await withTempDir('portico-output-', { 'gw.yaml': clean.replace('name: http, port: 80', 'name: HTTP!, port: 80') }, async (d) => {
    const y = await runCli(['validate', '-o', 'yaml', d], { cwd: d });
    const j = await runCli(['validate', '--format', 'json', d], { cwd: d });
    assert.is(y.code, 1);
    assert.is(j.code, 1);
    assert.equal(parse(y.stdout), JSON.parse(j.stdout));
    const both = await runCli(['validate', '-o', 'json', '--format', 'json', d]);
    assert.is(both.code, 2);
  });
});

test.run();
