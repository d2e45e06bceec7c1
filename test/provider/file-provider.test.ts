import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, renameSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileProvider, readManifestsOnce } from '../../gateway/provider/files/index.ts';
import type { ProviderUpdate } from '../../gateway/pipeline.ts';
import { GATEWAY_CLASS, httpGateway } from '../helpers/manifests.ts';
import { waitFor } from './wait.ts';

const route = (path: string, extra = '') => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
  namespace: apps
${extra}spec:
  parentRefs: [{ name: gw }]
  rules:
    - matches: [{ path: { type: PathPrefix, value: ${path} } }]
      backendRefs: [{ name: web, port: 80 }]
`;

const gateway = `${httpGateway('gw', 'apps')}---
${GATEWAY_CLASS}`;

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'portico-files-'));
  mkdirSync(join(dir, 'nested'));
  writeFileSync(join(dir, 'gateway.yaml'), gateway);
  writeFileSync(join(dir, 'nested', 'route.yml'), route('/a'));
  writeFileSync(join(dir, 'README.md'), 'not a manifest: {');
  const updates: ProviderUpdate[] = [];
  let t = 0;
  const provider = createFileProvider({ paths: [dir], debounceMs: 20, pollMs: 200, now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, t++)).toISOString() });
  return { dir, updates, provider, start: () => provider.start((u) => updates.push(u)) };
}

const webRoute = (u: ProviderUpdate) => u.snapshot.httpRoutes.find((r) => r.metadata.name === 'web')!;

/** Runs `fn` on a fresh setup(), then closes the provider and removes its directory, pass or fail. */
async function withSetup(fn: (s: ReturnType<typeof setup>) => Promise<void>): Promise<void> {
  const s = setup();
  try {
    await fn(s);
  } finally {
    await s.provider.close();
    rmSync(s.dir, { recursive: true, force: true });
  }
}

test('initial load reads yaml/yml recursively and stamps metadata like an API server', async () => {
  await withSetup(async (s) => {
    await s.start();
    assert.is(s.updates.length, 1);
    const u = s.updates[0];
    assert.is(u.snapshot.gateways.length, 1);
    assert.is(u.snapshot.gatewayClasses.length, 1);
    const r = webRoute(u);
    assert.is(r.metadata.generation, 1);
    assert.ok(r.metadata.uid && r.metadata.uid.length > 10);
    assert.ok(r.metadata.resourceVersion);
    assert.is(r.metadata.creationTimestamp, '2026-01-01T00:00:00.000Z');
    assert.equal(u.problems, []);
    assert.is(u.sources?.get('gateway.networking.k8s.io/HTTPRoute/apps/web'), join(s.dir, 'nested', 'route.yml'));
  });
});

test('a spec change is picked up without restart and bumps generation; uid and creationTimestamp stay', async () => {
  await withSetup(async (s) => {
    await s.start();
    const first = webRoute(s.updates[0]);
    writeFileSync(join(s.dir, 'nested', 'route.yml'), route('/b'));
    await waitFor(() => s.updates.length >= 2, 30_000, 'update after write');
    const second = webRoute(s.updates.at(-1)!);
    assert.is((second.spec as any).rules[0].matches[0].path.value, '/b');
    assert.is(second.metadata.generation, 2);
    assert.is(second.metadata.uid, first.metadata.uid);
    assert.is(second.metadata.creationTimestamp, first.metadata.creationTimestamp);
    assert.is.not(second.metadata.resourceVersion, first.metadata.resourceVersion);
    // The Gateway did not change: same resourceVersion, same generation.
    assert.is(s.updates.at(-1)!.snapshot.gateways[0].metadata.resourceVersion, s.updates[0].snapshot.gateways[0].metadata.resourceVersion);
  });
});

test('a metadata-only change bumps resourceVersion but not generation', async () => {
  await withSetup(async (s) => {
    await s.start();
    const first = webRoute(s.updates[0]);
    writeFileSync(join(s.dir, 'nested', 'route.yml'), route('/a', '  labels: { team: blue }\n'));
    await waitFor(() => s.updates.length >= 2, 30_000, 'update after label change');
    const second = webRoute(s.updates.at(-1)!);
    assert.is(second.metadata.labels?.team, 'blue');
    assert.is(second.metadata.generation, 1);
    assert.is.not(second.metadata.resourceVersion, first.metadata.resourceVersion);
  });
});

test('an atomic rename over the file is seen', async () => {
  await withSetup(async (s) => {
    await s.start();
    const tmp = join(s.dir, '.route.yml.tmp');
    writeFileSync(tmp, route('/renamed'));
    renameSync(tmp, join(s.dir, 'nested', 'route.yml'));
    await waitFor(() => s.updates.length >= 2 && (webRoute(s.updates.at(-1)!).spec as any).rules[0].matches[0].path.value === '/renamed', 30_000, 'renamed content');
    assert.is(webRoute(s.updates.at(-1)!).metadata.generation, 2);
  });
});

test('a file that fails to parse is reported and its last good objects keep serving', async () => {
  await withSetup(async (s) => {
    await s.start();
    writeFileSync(join(s.dir, 'nested', 'route.yml'), 'kind: HTTPRoute\nmetadata: { name: web\n  oops: [\n');
    await waitFor(() => s.updates.length >= 2, 30_000, 'update after broken write');
    const u = s.updates.at(-1)!;
    assert.ok(u.problems.length > 0);
    assert.is(u.problems[0].reason, 'ParseError');
    assert.is(u.problems[0].ref.name, join(s.dir, 'nested', 'route.yml'));
    const r = webRoute(u);
    assert.is((r.spec as any).rules[0].matches[0].path.value, '/a');
    assert.is(r.metadata.generation, 1);
    // Fixing the file clears the problem.
    writeFileSync(join(s.dir, 'nested', 'route.yml'), route('/fixed'));
    await waitFor(() => s.updates.at(-1)!.problems.length === 0, 30_000, 'problem cleared');
    assert.is((webRoute(s.updates.at(-1)!).spec as any).rules[0].matches[0].path.value, '/fixed');
  });
});

test('a deleted file removes its objects; nothing changes when nothing was written', async () => {
  await withSetup(async (s) => {
    await s.start();
    assert.is(s.provider.rescan(), false);
    rmSync(join(s.dir, 'nested', 'route.yml'));
    await waitFor(() => s.updates.length >= 2, 30_000, 'update after delete');
    assert.is(s.updates.at(-1)!.snapshot.httpRoutes.length, 0);
    assert.is(s.updates.at(-1)!.snapshot.gateways.length, 1);
  });
});

test('creationTimestamp set in the file is kept; json files and Lists are read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-files-'));
  try {
    writeFileSync(join(dir, 'list.json'), JSON.stringify({
      apiVersion: 'v1', kind: 'List', items: [
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'apps', creationTimestamp: '2020-05-05T00:00:00Z' }, spec: { ports: [{ port: 80 }] } },
      ],
    }));
    const u = await readManifestsOnce([dir, join(dir, 'missing.yaml')]);
    assert.is(u.snapshot.services.length, 1);
    assert.is(u.snapshot.services[0].metadata.creationTimestamp, '2020-05-05T00:00:00Z');
    assert.is(u.problems.length, 1);
    assert.is(u.problems[0].reason, 'NotFound');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the periodic rescan alone picks up a change (for filesystems where watching fails)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-files-'));
  writeFileSync(join(dir, 'route.yaml'), route('/a'));
  const updates: ProviderUpdate[] = [];
  // A debounce longer than the test: only the poll timer can deliver the change.
  const provider = createFileProvider({ paths: [join(dir, 'route.yaml')], debounceMs: 60_000, pollMs: 100 });
  try {
    await provider.start((u) => updates.push(u));
    writeFileSync(join(dir, 'route.yaml'), route('/polled'));
    await waitFor(() => updates.length >= 2, 30_000, 'update from the poll');
    assert.is((webRoute(updates.at(-1)!).spec as any).rules[0].matches[0].path.value, '/polled');
  } finally {
    await provider.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the periodic rescan (listed off the event loop) reads new, changed and removed files and paths given directly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-files-'));
  mkdirSync(join(dir, 'd'));
  writeFileSync(join(dir, 'd', 'route.yaml'), route('/a'));
  writeFileSync(join(dir, 'direct.txt'), route('/direct').replace('name: web', 'name: direct'));
  const updates: ProviderUpdate[] = [];
  // No watch: only poll() can see the changes.
  const provider = createFileProvider({ paths: [join(dir, 'd'), join(dir, 'direct.txt')], watch: false, pollMs: 0 });
  const names = () => updates.at(-1)!.snapshot.httpRoutes.map((r) => `${r.metadata.name}:${(r.spec as any).rules[0].matches[0].path.value}`).sort();
  try {
    await provider.start((u) => updates.push(u));
    assert.equal(names(), ['direct:/direct', 'web:/a']);
    await provider.poll();
    assert.is(updates.length, 1, 'nothing changed: nothing published');
    writeFileSync(join(dir, 'd', 'route.yaml'), route('/b'));
    writeFileSync(join(dir, 'd', 'new.yaml'), route('/new').replace('name: web', 'name: added'));
    await provider.poll();
    assert.equal(names(), ['added:/new', 'direct:/direct', 'web:/b']);
    rmSync(join(dir, 'd', 'new.yaml'));
    writeFileSync(join(dir, 'direct.txt'), route('/direct2').replace('name: web', 'name: direct'));
    await provider.poll();
    assert.equal(names(), ['direct:/direct2', 'web:/b']);
  } finally {
    await provider.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an update that fails CRD validation is refused like an API server would: the last accepted version serves', async () => {
  await withSetup(async (s) => {
    await s.start();
    writeFileSync(join(s.dir, 'nested', 'route.yml'), route('no-slash'));
    await waitFor(() => s.updates.length >= 2, 30_000, 'update after invalid write');
    const u = s.updates.at(-1)!;
    assert.is((webRoute(u).spec as any).rules[0].matches[0].path.value, '/a');
    assert.is(webRoute(u).metadata.generation, 1);
    assert.ok(u.problems.some((p) => p.reason === 'Rejected' && p.ref.name === 'web' && p.message.includes('last accepted')));
    assert.ok(u.problems.some((p) => p.field.startsWith('spec.rules[0].matches[0].path')));
    // A new object that fails validation is not served at all.
    writeFileSync(join(s.dir, 'other.yaml'), route('bad').replace('name: web', 'name: other'));
    await waitFor(() => s.updates.at(-1)!.problems.some((p) => p.ref.name === 'other'), 30_000, 'problem for the new object');
    assert.equal(s.updates.at(-1)!.snapshot.httpRoutes.map((r) => r.metadata.name), ['web']);
  });
});

test('leading edge: a lone change is read at once, without waiting out the window', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-files-'));
  writeFileSync(join(dir, 'route.yaml'), route('/a'));
  const updates: ProviderUpdate[] = [];
  // A window longer than the test and no poll: only the leading edge can deliver the change.
  const provider = createFileProvider({ paths: [dir], debounceMs: 60_000, pollMs: 0 });
  try {
    await provider.start((u) => updates.push(u));
    writeFileSync(join(dir, 'route.yaml'), route('/now'));
    await waitFor(() => updates.length >= 2, 30_000, 'leading-edge update');
    assert.is((webRoute(updates.at(-1)!).spec as any).rules[0].matches[0].path.value, '/now');
  } finally {
    await provider.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file that loses objects on the leading edge is confirmed by the trailing read, not served at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-files-'));
  writeFileSync(join(dir, 'all.yaml'), `${GATEWAY_CLASS}---\n${route('/a')}`);
  const updates: ProviderUpdate[] = [];
  const provider = createFileProvider({ paths: [dir], debounceMs: 300, pollMs: 0 });
  try {
    await provider.start((u) => updates.push(u));
    // A writer that truncated and has not written yet: the leading read must not drop the route.
    writeFileSync(join(dir, 'all.yaml'), '');
    await new Promise((r) => setTimeout(r, 100));
    assert.is(updates.length, 1, 'nothing served from the provisional read');
    writeFileSync(join(dir, 'all.yaml'), `${GATEWAY_CLASS}---\n${route('/b')}`);
    await waitFor(() => updates.length >= 2, 30_000, 'the trailing read');
    assert.is((webRoute(updates.at(-1)!).spec as any).rules[0].matches[0].path.value, '/b');
    // A real removal is served once the window confirms it.
    writeFileSync(join(dir, 'all.yaml'), GATEWAY_CLASS);
    await waitFor(() => updates.at(-1)!.snapshot.httpRoutes.length === 0, 30_000, 'the confirmed removal');
  } finally {
    await provider.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
