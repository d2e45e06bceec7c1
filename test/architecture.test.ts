// The import rules of docs/architecture.md, checked on every import statement, so
// the pure translator stays runnable at synth time and the data plane stays credential-free.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = resolve(import.meta.dirname, '..');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) out.push(...files(rel));
    else if (name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

interface Edge { file: string; spec: string; target?: string }

function importsOf(file: string): Edge[] {
  const text = readFileSync(join(root, file), 'utf8');
  const out: Edge[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    const target = spec.startsWith('.') ? relative(root, resolve(root, dirname(file), spec)) : undefined;
    out.push({ file, spec, target });
  }
  return out;
}

function violations(dirs: string[], bad: (e: Edge) => boolean): string[] {
  return dirs.flatMap(files).flatMap(importsOf).filter(bad).map((e) => `${e.file} imports ${e.spec}`);
}

const isNode = (e: Edge) => e.spec.startsWith('node:') || ['fs', 'path', 'net', 'http', 'http2', 'tls', 'os', 'child_process', 'crypto', 'dgram'].includes(e.spec);
const isCdk = (e: Edge) => /^(cdk8s|cdk8s-plus-\d+|constructs)(\/|$)/.test(e.spec);
const under = (e: Edge, ...dirs: string[]) => e.target !== undefined && dirs.some((d) => e.target === d || e.target!.startsWith(d + '/'));

test('model, ir, translator and the offline validation are pure: no node:*, no cdk8s, no provider or data plane code', () => {
  const v = violations(['gateway/model', 'gateway/ir', 'gateway/translator', 'gateway/validate'], (e) =>
    isNode(e) || isCdk(e) || under(e, 'gateway/provider', 'gateway/dataplane', 'gateway/runtime', 'gateway/admin', 'gateway/cli', 'constructs'));
  assert.equal(v, []);
});

test('constructs use only gateway/model, gateway/translator, gateway/validate and gateway/pki of the gateway', () => {
  const v = violations(['constructs'], (e) => under(e, 'gateway') && !under(e, 'gateway/model', 'gateway/translator', 'gateway/validate', 'gateway/pki'));
  assert.equal(v, []);
});

test('gateway/pki (the certificate inspector synth, validate and serve share) uses node:crypto and node:tls over the model only', () => {
  const v = violations(['gateway/pki'], (e) => isCdk(e) || (isNode(e) && !['node:crypto', 'node:tls'].includes(e.spec)) ||
    (under(e, 'gateway') && !under(e, 'gateway/pki', 'gateway/model', 'gateway/translator/pem.ts')));
  assert.equal(v, []);
});

test('the offline validation builds on the translator only (model, translator), never the other way round', () => {
  const v = violations(['gateway/validate'], (e) => under(e, 'gateway') && !under(e, 'gateway/model', 'gateway/translator', 'gateway/validate'));
  const back = violations(['gateway/model', 'gateway/translator'], (e) => under(e, 'gateway/validate'));
  assert.equal([...v, ...back], []);
});

test('constructs/ has no attachment or ReferenceGrant logic of its own: the translator decides, validateOffline() judges', () => {
  const internals = violations(['constructs'], (e) => under(e, 'gateway/translator/context.ts', 'gateway/translator/attachment.ts'));
  const logic = files('constructs').filter((f) => !f.startsWith('constructs/imports/'))
    .filter((f) => /\breferenceGrants\b|\bselectorMatches\b|\bintersectHostnames\b|\bnamespaceLabels\(|kubernetes\.io\/metadata\.name/.test(readFileSync(join(root, f), 'utf8')))
    .map((f) => `${f} evaluates grants or allowedRoutes`);
  assert.equal([...internals, ...logic], []);
});

test('the folders of constructs/ import each other without cycles', () => {
  const folderOf = (f: string) => dirname(f);
  const graph = new Map<string, Set<string>>();
  // index.ts files only re-export (the public entry), so they are not edges of the design.
  for (const e of files('constructs').filter((f) => !f.startsWith('constructs/imports/') && !f.endsWith('/index.ts')).flatMap(importsOf)) {
    if (!e.target?.startsWith('constructs/')) continue;
    const from = folderOf(e.file);
    const to = folderOf(e.target);
    if (from !== to) graph.set(from, new Set([...(graph.get(from) ?? []), to]));
  }
  const cycles: string[] = [];
  const reaches = (a: string, b: string, seen = new Set<string>()): boolean => {
    if (a === b) return true;
    if (seen.has(a)) return false;
    seen.add(a);
    return [...(graph.get(a) ?? [])].some((n) => reaches(n, b, seen));
  };
  for (const [from, tos] of graph) for (const to of tos) if (reaches(to, from)) cycles.push(`${from} -> ${to} -> ... -> ${from}`);
  assert.equal(cycles, []);
});

test('the data plane imports gateway/ir only (never model, translator or providers)', () => {
  const v = violations(['gateway/dataplane'], (e) => under(e, 'gateway') && !under(e, 'gateway/ir', 'gateway/dataplane'));
  assert.equal(v, []);
});

test('gateway/diff is pure and reads only the IR, the translator\'s shapes and the data plane\'s matchers', () => {
  const v = violations(['gateway/diff'], (e) => isNode(e) || isCdk(e) ||
    (under(e, 'gateway') && !under(e, 'gateway/diff', 'gateway/ir', 'gateway/model', 'gateway/translator', 'gateway/dataplane/match')));
  assert.equal(v, []);
  assert.ok(files('gateway/diff').flatMap(importsOf).some((e) => under(e, 'gateway/dataplane/match')), 'diff resolves requests with the data plane matchers');
});

test('only gateway/runtime and gateway/provider touch files and the environment', () => {
  const allowed = ['gateway/runtime', 'gateway/provider'];
  const dirs = readdirSync(join(root, 'gateway')).filter((d) => statSync(join(root, 'gateway', d)).isDirectory()).map((d) => `gateway/${d}`);
  const v = violations(dirs.filter((d) => !allowed.includes(d)), (e) => e.spec === 'node:fs' || e.spec === 'node:fs/promises' || e.spec === 'fs');
  const env = dirs.filter((d) => !allowed.includes(d)).flatMap(files)
    .filter((f) => /\bprocess\.env\b|\bDeno\./.test(readFileSync(join(root, f), 'utf8')))
    .map((f) => `${f} reads process.env or Deno`);
  assert.equal([...v, ...env], []);
});

test('gateway/migrate is pure: no node:*, no provider or data plane; only interpret.ts runs the constructs', () => {
  const v = violations(['gateway/migrate'], (e) => isNode(e) || under(e, 'gateway/provider', 'gateway/dataplane', 'gateway/runtime', 'gateway/cli') ||
    ((isCdk(e) || under(e, 'constructs')) && e.file !== 'gateway/migrate/interpret.ts'));
  assert.equal(v, []);
});

test('the rules above see real imports (the checker is not vacuous)', () => {
  const edges = files('gateway/translator').flatMap(importsOf);
  assert.ok(edges.some((e) => under(e, 'gateway/model')), 'translator imports the model');
  assert.ok(files('gateway/dataplane').flatMap(importsOf).some(isNode), 'data plane imports node:*');
});

/** Files and packages a module loads when it starts: static value imports, transitively (type-only imports and import() left out). */
function loadedAtStart(entry: string): { files: Set<string>; packages: Set<string> } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const STATIC = /^\s*(import|export)\s+(?!type\s)[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(join(root, file), 'utf8').matchAll(STATIC)) {
      const spec = m[2] ?? m[3];
      if (spec.startsWith('.')) visit(relative(root, resolve(root, dirname(file), spec)));
      else if (!spec.startsWith('node:')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  };
  visit(entry);
  return { files: seen, packages };
}

test('a data-plane worker loads only serving modules: no control-plane code, YAML, schema, CEL or Kubernetes client', () => {
  const { files: loaded, packages } = loadedAtStart('gateway/workers/worker-main.ts');
  const control = [...loaded].filter((f) => ['gateway/model', 'gateway/translator', 'gateway/validate', 'gateway/provider', 'gateway/pipeline', 'gateway/cli', 'gateway/diff', 'gateway/explain']
    .some((d) => f === `${d}.ts` || f.startsWith(`${d}/`)));
  const heavy = [...packages].filter((p) => ['yaml', 'ajv', '@bufbuild/cel', '@kubernetes/client-node', 'cdk8s', 'constructs', '@opentelemetry/sdk-trace', '@grpc/proto-loader'].includes(p));
  assert.equal([...control, ...heavy], []);
  // The walk sees the real graph: the worker does load the data plane and prom-client.
  assert.ok(loaded.has('gateway/dataplane/index.ts') && packages.has('prom-client'), [...loaded].join(' '));
});

test.run();
