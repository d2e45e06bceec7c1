// The Argo CD Config Management Plugin's generate command (scripts/argocd-cmp/portico-cmp.mjs),
// run as Argo CD runs it: in the app's directory, manifests expected on stdout, and on failure a
// non-zero exit with the reason on stderr (what Argo CD shows as the sync error).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { REPO, runNode, tsxArgv, withTempDir } from '../helpers/cli.ts';
import { writeShopApp } from '../helpers/app-repo.ts';

function generate(cwd: string, env: Record<string, string> = {}) {
  return runNode([...tsxArgv('scripts/argocd-cmp/portico-cmp.mjs'), 'generate'], {
    cwd, timeoutMs: 120_000, timeoutMessage: (r) => `generate timed out\n${r.output}`,
    // The plugin image runs the app's or its own portico; here the sources (same CLI, no build needed).
    env: { PORTICO_CLI: join(REPO, 'gateway/cli.ts'), ...env },
  });
}

const ids = (texts: string[]) => texts.flatMap((t) => parseAllDocuments(t).map((d) => d.toJS()).filter(Boolean))
  .map((o: any) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();

test('generate on the example app: every synthesized manifest on stdout, exit 0', async () => {
  const r = await generate(REPO);
  assert.is(r.code, 0, r.stderr);
  const dist = readdirSync(join(REPO, 'dist')).map((f) => readFileSync(join(REPO, 'dist', f), 'utf8'));
  assert.equal(ids([r.stdout]), ids(dist));
  assert.ok(ids([r.stdout]).includes('Gateway portico-system/public'));
  assert.match(r.stderr, 'portico-cmp: generated the manifests of .');
});

test('generate on an app whose route takes another tenant\'s hostname: exit 1, the reason on stderr, nothing on stdout', async () => {
  await withTempDir('portico-cmp-', {}, async (d) => {
    // A plain Chart: synth cannot know the tenancy rules, the platform's tenants file does.
    writeShopApp(d, { tenantChart: false, hostname: 'www.payments.example.com' });
    const r = await generate(d, { ARGOCD_ENV_PORTICO_TENANTS: 'platform-tenants.yaml', ARGOCD_ENV_PORTICO_TENANT: 'shop' });
    assert.is(r.code, 1, r.output);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /shop\.k8s\.yaml(:\d+)?: HTTPRoute shop\/web spec\.hostnames\[0\]: "www\.payments\.example\.com" is not owned by tenant "shop" \(owns: \*\.shop\.example\.com\) \(HostnameNotOwned\)/);
    assert.match(r.stderr, 'portico-cmp: portico validate found problems (exit 1) against the tenancy rules of platform-tenants.yaml: nothing was generated, the cluster keeps what it has');
    assert.not.match(r.stderr, '/tmp/portico-cmp-', 'paths are relative to the synthesized output, not the temp dir');
  });
});

test('generate on an app whose TenantChart breaks ownership: synth fails, exit 1, cdk8s\'s message on stderr', async () => {
  await withTempDir('portico-cmp-', {}, async (d) => {
    writeShopApp(d, { hostname: 'www.payments.example.com' });
    const r = await generate(d);
    assert.is(r.code, 1, r.output);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /HTTPRoute shop\/web spec\.hostnames\[0\]:? "www\.payments\.example\.com" is not owned by tenant "shop"/);
    assert.match(r.stderr, 'portico-cmp: cdk8s synth failed (exit 1): nothing was generated, the cluster keeps what it has');
  });
});

test('the plugin manifest runs the shipped script; the sidecar holds no credentials and runs unprivileged', () => {
  const plugin = parse(readFileSync(join(REPO, 'argocd/plugin.yaml'), 'utf8'));
  assert.is(plugin.kind, 'ConfigManagementPlugin');
  assert.is(plugin.spec.discover.fileName, 'cdk8s.yaml');
  for (const phase of ['init', 'generate']) {
    const [node, script, verb] = plugin.spec[phase].command;
    assert.is(node, 'node');
    assert.ok(script.endsWith('/node_modules/portico/scripts/argocd-cmp/portico-cmp.mjs'), script);
    assert.is(verb, phase);
  }
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  assert.ok(pkg.files.includes('scripts/argocd-cmp') && pkg.files.includes('scripts/pr-check'), 'the scripts ship in the package');
  const pod = parse(readFileSync(join(REPO, 'argocd/repo-server-sidecar.yaml'), 'utf8')).spec.template.spec;
  assert.is(pod.automountServiceAccountToken, false);
  const c = pod.containers.find((x: any) => x.name === 'portico-cmp');
  assert.equal(c.command, ['/var/run/argocd/argocd-cmp-server']);
  assert.is(c.securityContext.runAsNonRoot, true);
  assert.is(c.securityContext.readOnlyRootFilesystem, true);
  assert.ok(!(c.env ?? []).some((e: any) => /TOKEN|KUBECONFIG|PASSWORD/i.test(e.name)), 'no credentials in the environment');
});

test.run();
