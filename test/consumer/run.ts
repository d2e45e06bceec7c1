// `npm run test:consumer`: Portico as its users get it. The package is packed with `npm pack`
// and installed from the tarball into projects laid out as users lay them out:
//   1. `cdk8s init typescript-app`: the template from node_modules/cdk8s-cli, its tsconfig.json
//      unchanged (CommonJS, node10 resolution, lib es2016, no skipLibCheck), its dependencies from
//      the npm registry (`cdk8s import k8s` is skipped: it downloads from outside);
//   2. a plain-JavaScript ESM project (and CommonJS `require()` from it), which also type-checks a
//      TypeScript file under `nodenext` and `bundler` resolution.
// In each: a small app synthesizes, its YAML is checked, `npx portico validate` accepts it, and an
// ownership violation fails synth with its message. The tarball's file list is checked first.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';

const REPO = resolve(import.meta.dirname, '../..');
const TEMPLATE = join(REPO, 'node_modules/cdk8s-cli/templates/typescript-app');
const work = mkdtempSync(join(tmpdir(), 'portico-consumer-'));
const version = (pkg: string) => JSON.parse(readFileSync(join(REPO, 'node_modules', pkg, 'package.json'), 'utf8')).version as string;

interface Run { code: number | null; out: string }
function run(cmd: string, args: string[], cwd: string, timeoutMs = 300_000): Run {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}
function ok(cmd: string, args: string[], cwd: string): string {
  const r = run(cmd, args, cwd);
  assert.is(r.code, 0, `${cmd} ${args.join(' ')} in ${cwd} failed:\n${r.out}`);
  return r.out;
}

// The app every consumer writes, in TypeScript (CommonJS under the template) and in JavaScript.
const appBody = (hostname: string) => `
const app = new App();
const platform = new Platform(app, 'platform', { namespace: 'portico-system' });
const gatewayClass = new GatewayClass(platform, 'class', { metadata: { name: 'portico' } });
const edge = new Gateway(platform, 'edge', { metadata: { name: 'edge' }, gatewayClass });
const shop = platform.addTenant('shop', { name: 'shop', namespaces: ['shop'], hostnames: ['*.shop.example.com'] });
const http = edge.addListener({ name: 'http', port: 80, protocol: ListenerProtocol.HTTP, allowedRoutes: { namespaces: shop.routeNamespaces() } });
shop.allowListener(http);
const chart = new TenantChart(app, 'shop', { tenant: shop });
new HttpRoute(chart, 'web', {
  metadata: { name: 'web' },
  parentRefs: [http],
  hostnames: ['${hostname}'],
  rules: [{ matches: [{ path: PathMatch.prefix('/') }],
            backendRefs: [BackendRef.fromService({ name: 'web', ports: [{ port: 8080 }] }, { port: 8080 })] }],
});
app.synth();
`;
const NAMES = 'App, Platform, GatewayClass, Gateway, ListenerProtocol, TenantChart, HttpRoute, PathMatch, BackendRef';
const tsApp = (hostname: string) => `import { App } from 'cdk8s';
import { BackendRef, Gateway, GatewayClass, HttpRoute, ListenerProtocol, PathMatch, Platform, TenantChart } from 'portico';
${appBody(hostname)}`;
const esmApp = (hostname: string) => `import { App } from 'cdk8s';
import { ${NAMES.replace('App, ', '')} } from 'portico';
${appBody(hostname)}`;
const cjsApp = (hostname: string) => `const { App } = require('cdk8s');
const { ${NAMES.replace('App, ', '')} } = require('portico');
${appBody(hostname)}`;

/** The synthesized objects of an app's output directory, by kind. */
function synthesized(dir: string): Map<string, Record<string, any>[]> {
  const byKind = new Map<string, Record<string, any>[]>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) {
      const o = doc.toJS();
      if (o) byKind.set(o.kind, [...(byKind.get(o.kind) ?? []), o]);
    }
  }
  return byKind;
}
function checkYaml(dir: string): void {
  const objs = synthesized(dir);
  const route = objs.get('HTTPRoute')?.[0];
  assert.ok(route, 'an HTTPRoute was synthesized');
  assert.is(route!.metadata.namespace, 'shop');
  assert.equal(route!.spec.hostnames, ['www.shop.example.com']);
  assert.equal(route!.spec.parentRefs[0], { name: 'edge', namespace: 'portico-system', sectionName: 'http' });
  assert.equal(route!.spec.rules[0].backendRefs[0], { name: 'web', port: 8080 });
  assert.is(objs.get('Gateway')?.[0]?.spec.gatewayClassName, 'portico');
}
const VIOLATION = /HTTPRoute shop\/web spec\.hostnames\[0\]: "www\.other\.example\.org" is not owned by tenant "shop"/;

let tarball = '';

test('npm pack ships only the compiled package, declarations, CRDs, README and LICENSE', () => {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: REPO, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } });
  const [info] = JSON.parse(out.slice(out.indexOf('[')));
  tarball = join(work, info.filename);
  const files: string[] = info.files.map((f: { path: string }) => f.path);
  // Compiled code and declarations; the CRDs (Gateway API's, Portico's policy CRDs, which the runtime
  // construct installs and the validator checks, and the vendored third-party one with its licence);
  // the pull-request check and the Argo CD plugin, which app repos run from node_modules/portico.
  const allowed = new RegExp('^(' + [
    'package\\.json', 'README\\.md', 'LICENSE',
    'crds/(standard|experimental|portico)/[\\w.-]+\\.yaml', 'crds/conditions\\.yaml', 'crds/third-party/[\\w.-]+',
    'build/(bin|constructs|gateway)/.+\\.(js|d\\.ts|js\\.map|d\\.ts\\.map|json|proto|md)',
    'scripts/(pr-check|argocd-cmp)/[\\w.-]+\\.(mjs|d\\.mts)', 'argocd/[\\w.-]+\\.yaml',
  ].join('|') + ')$');
  assert.equal(files.filter((f) => !allowed.test(f)), [], 'files outside the allow-list');
  assert.equal(files.filter((f) => /(^|\/)(test|apps|\.ci|\.github|dist|bench)\//.test(f) || /\.test\.|tsbuildinfo/.test(f)), []);
  for (const f of ['build/bin/portico.js', 'build/constructs/index.js', 'build/constructs/index.d.ts', 'build/gateway/translator/index.d.ts',
    'build/gateway/dataplane/http/filters/proto/envoy/service/auth/v3/external_auth.proto', 'crds/standard/gateway.networking.k8s.io_httproutes.yaml', 'LICENSE']) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  assert.equal(Object.keys(pkg.peerDependencies).sort(), ['cdk8s', 'constructs']);
  for (const dev of ['tsx', 'uvu', 'cdk8s-plus-33', 'ws']) assert.not.ok(pkg.dependencies[dev], `${dev} is not a runtime dependency`);
});

test('a `cdk8s init typescript-app` project: tsc with the template settings, synth, validate, ownership error', () => {
  const dir = join(work, 'ts-app');
  mkdirSync(dir);
  for (const f of ['tsconfig.json', 'cdk8s.yaml', 'jest.config.js']) cpSync(join(TEMPLATE, f), join(dir, f));
  cpSync(join(TEMPLATE, '{{}}.gitignore'), join(dir, '.gitignore'));
  const pkg = readFileSync(join(TEMPLATE, 'package.json'), 'utf8')
    .replace('{{ $base }}', 'shop-app').replace('{{ cdk8s_core_version }}', version('cdk8s'))
    .replace('{{ cdk8s_plus_version }}', version('cdk8s-plus-33')).replace('{{ constructs_version }}', version('constructs'))
    .replace('{{ cdk8s_cli_spec }}', `^${version('cdk8s-cli')}`);
  writeFileSync(join(dir, 'package.json'), pkg);
  writeFileSync(join(dir, 'main.ts'), tsApp('www.shop.example.com'));
  ok('npm', ['install'], dir);
  ok('npm', ['install', tarball], dir);
  // The template's own `compile` script: tsc --build with its tsconfig.json, untouched.
  ok('npm', ['run', 'compile'], dir);
  ok('npx', ['cdk8s', 'synth'], dir);
  checkYaml(join(dir, 'dist'));
  const v = ok('npx', ['portico', 'validate', 'dist'], dir);
  assert.match(v, / 0 errors/);
  writeFileSync(join(dir, 'main.ts'), tsApp('www.other.example.org'));
  const bad = run('npx', ['cdk8s', 'synth'], dir);
  assert.is.not(bad.code, 0, bad.out);
  assert.match(bad.out, VIOLATION);
});

test('a plain JavaScript project: ESM import, CommonJS require, nodenext and bundler type-checks, validate', () => {
  const dir = join(work, 'js-app');
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'js-app', private: true, type: 'module' }, null, 2));
  ok('npm', ['install', tarball, `cdk8s@^${version('cdk8s')}`, `constructs@^${version('constructs')}`, `typescript@${version('typescript')}`], dir);
  writeFileSync(join(dir, 'main.mjs'), esmApp('www.shop.example.com').replace('new App()', "new App({ outdir: 'out-esm' })"));
  ok(process.execPath, ['main.mjs'], dir);
  checkYaml(join(dir, 'out-esm'));
  writeFileSync(join(dir, 'main.cjs'), cjsApp('www.shop.example.com').replace('new App()', "new App({ outdir: 'out-cjs' })"));
  ok(process.execPath, ['main.cjs'], dir);
  checkYaml(join(dir, 'out-cjs'));
  assert.match(ok('npx', ['portico', 'validate', 'out-esm'], dir), / 0 errors/);
  writeFileSync(join(dir, 'bad.mjs'), esmApp('www.other.example.org').replace('new App()', "new App({ outdir: 'out-bad' })"));
  const bad = run(process.execPath, ['bad.mjs'], dir);
  assert.is.not(bad.code, 0);
  assert.match(bad.out, VIOLATION);

  // Types: the same app in TypeScript, and the pure subpath exports, under both modern resolutions.
  writeFileSync(join(dir, 'check.mts'), `${tsApp('www.shop.example.com')}
import { translate } from 'portico/translator';
import type { Snapshot } from 'portico/model';
export type T = typeof translate;
export type S = Snapshot;
`);
  for (const [name, opts] of [['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }], ['bundler', { module: 'esnext', moduleResolution: 'bundler' }]] as const) {
    writeFileSync(join(dir, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions: { ...opts, target: 'es2022', strict: true, noEmit: true, types: [] }, files: ['check.mts'] }));
    ok(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', `tsconfig.${name}.json`], dir);
  }
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
