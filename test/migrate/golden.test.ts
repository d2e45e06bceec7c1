// The fixture corpus (test/migrate/fixtures: realistic ingress-nginx Ingresses of three teams
// and the platform) through `portico migrate`: the TypeScript app, the YAML and the report are
// pinned by golden files (UPDATE_GOLDEN=1 rewrites them), the app is synthesized by the real
// `cdk8s synth` and must give exactly the YAML `--format yaml` gives, and `portico validate`
// accepts that YAML.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { migrate, printProgram, reportMarkdown } from '../../gateway/migrate/index.ts';
import { synthesize } from '../../gateway/migrate/interpret.ts';
import { assertGolden } from '../helpers/golden.ts';
import { REPO, runNode, TSX, tsxArgv } from '../helpers/cli.ts';
import { FIXTURES, fixtureObjects } from './corpus.ts';

const GOLDEN = resolve(import.meta.dirname, 'golden');

const result = migrate(fixtureObjects());
const yamlText = synthesize(result.program, { quiet: true });

const key = (o: any) => `${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJS()).filter((o) => o).sort((a, b) => key(a).localeCompare(key(b)));

test('golden: the TypeScript app', () => {
  assertGolden('main', printProgram(result.program), GOLDEN, 'ts.golden');
});

test('golden: the YAML (--format yaml)', () => {
  assertGolden('manifests', yamlText, GOLDEN, 'yaml');
});

test('golden: the report', () => {
  assertGolden('migration-report', reportMarkdown(result.report), GOLDEN, 'md');
});

test('every Ingress of ingress-nginx is converted and the two of other classes are left alone', () => {
  assert.equal(result.leftAlone.sort(), ['web/old-haproxy', 'web/traefik-dashboard']);
  assert.is(result.converted.length, 15);
});

test('the emitted app synthesizes with cdk8s synth, to exactly the YAML of --format yaml', async () => {
  // Inside the repo so the app resolves cdk8s and tsx from its node_modules, as an app project would.
  const dir = mkdtempSync(join(REPO, 'test/migrate/.synth-'));
  try {
    writeFileSync(join(dir, 'main.ts'), printProgram(result.program, { porticoModule: resolve(REPO, 'constructs/index.ts') }));
    writeFileSync(join(dir, 'cdk8s.yaml'), `language: typescript\napp: ${JSON.stringify(`${process.execPath} --import ${TSX} main.ts`)}\noutput: dist\n`);
    const r = await runNode([resolve(REPO, 'node_modules/cdk8s-cli/bin/cdk8s'), 'synth', '--no-check-upgrade'], {
      cwd: dir, timeoutMs: 120_000, env: { CDK8S_CHECK_UPGRADE: 'false' }, timeoutMessage: (x) => `cdk8s synth timed out\n${x.output}`,
    });
    assert.is(r.code, 0, r.output);
    // cdk8s init's template runs the app through a type checker (ts-node): the app must type-check, strictly.
    const tsc = await runNode([resolve(REPO, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext',
      '--moduleResolution', 'nodenext', '--allowImportingTsExtensions', '--skipLibCheck', '--types', 'node', 'main.ts'], {
      cwd: dir, timeoutMs: 120_000, timeoutMessage: (x) => `tsc timed out\n${x.output}`,
    });
    assert.is(tsc.code, 0, tsc.output);
    const synthesized = readdirSync(join(dir, 'dist')).sort().map((f) => readFileSync(join(dir, 'dist', f), 'utf8')).join('---\n');
    assert.equal(docs(synthesized), docs(yamlText));
    // portico validate accepts it (Services from the fixtures; TLS Secrets are assumed to exist: warnings).
    const v = await runNode([...tsxArgv('gateway/cli.ts'), 'validate', join(dir, 'dist'), join(FIXTURES, 'services.yaml'), join(FIXTURES, 'shop.yaml')], {
      timeoutMs: 60_000, timeoutMessage: (x) => `validate timed out\n${x.output}`,
    });
    assert.is(v.code, 0, v.output);
    assert.match(v.stderr, / 0 errors/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
