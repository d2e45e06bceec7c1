#!/usr/bin/env node
// The Argo CD Config Management Plugin's commands (plugin.yaml runs them in the sidecar, with the
// app's directory as the working directory):
//   init      npm ci (lifecycle scripts off) when the app has a package-lock.json
//   generate  cdk8s synth into a temporary directory, portico validate it (with the platform's
//             tenancy rules when the app asks for them), then print the manifests on stdout
// stdout carries manifests only; everything else goes to stderr, which Argo CD shows as the sync
// error. A synth or ownership failure therefore stops the sync before anything reaches the cluster.
// Parameters: tenants/tenant (plugin parameters, PARAM_TENANTS/PARAM_TENANT) or the Application's
// env ARGOCD_ENV_PORTICO_TENANTS/ARGOCD_ENV_PORTICO_TENANT; PORTICO_CLI overrides the CLI entry.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { appPath, cdk8sBin, porticoRunner, run } from '../pr-check/tools.mjs';

const say = (line) => process.stderr.write(`portico-cmp: ${line}\n`);

function init(dir) {
  if (!existsSync(join(dir, 'package-lock.json'))) { say('no package-lock.json: nothing to install'); return 0; }
  // --ignore-scripts: the app's dependencies get no install hooks in the repo server.
  const r = run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], dir);
  process.stderr.write(r.stderr);
  if (r.code !== 0) say(`npm ci failed (exit ${r.code})`);
  return r.code === 0 ? 0 : 1;
}

/** Every manifest file under `dir`, sorted, as one YAML stream. */
function manifests(dir) {
  const files = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.(ya?ml|json)$/.test(name)) files.push(full);
    }
  };
  walk(dir);
  return files.map((f) => readFileSync(f, 'utf8').trim()).filter(Boolean).join('\n---\n') + '\n';
}

function generate(dir) {
  const env = process.env;
  const tenants = env.PARAM_TENANTS || env.ARGOCD_ENV_PORTICO_TENANTS;
  const tenant = env.PARAM_TENANT || env.ARGOCD_ENV_PORTICO_TENANT;
  const cdk8s = cdk8sBin(dir);
  if (!cdk8s) { say('cdk8s-cli is neither in the app (node_modules/.bin/cdk8s) nor in the plugin image'); return 2; }
  const portico = porticoRunner(dir, env.PORTICO_CLI);
  if (!portico) { say('the portico CLI is neither in the app (node_modules/.bin/portico) nor in the plugin image'); return 2; }
  const out = mkdtempSync(join(tmpdir(), 'portico-cmp-'));
  try {
    const synth = run(cdk8s, ['synth', '--no-check-upgrade', '--output', out], dir, { PATH: appPath(dir) });
    if (synth.code !== 0) {
      process.stderr.write(`${synth.stderr}${synth.stdout}`);
      say(`cdk8s synth failed (exit ${synth.code}): nothing was generated, the cluster keeps what it has`);
      return 1;
    }
    const args = ['validate', ...(tenants ? ['--tenants', resolve(dir, tenants), ...(tenant ? ['--tenant', tenant] : [])] : []), out];
    const validate = portico(args);
    if (validate.code !== 0) {
      // Problem lines name the synthesized file: say it relative to the app, not the temp dir.
      process.stderr.write(`${validate.stdout}${validate.stderr}`.split(`${out}/`).join(''));
      say(`portico validate found problems (exit ${validate.code})${tenants ? ` against the tenancy rules of ${tenants}` : ''}: nothing was generated, the cluster keeps what it has`);
      return 1;
    }
    process.stdout.write(manifests(out));
    say(`generated the manifests of ${relative(process.cwd(), dir) || '.'}`);
    return 0;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const [command] = process.argv.slice(2);
const dir = process.cwd();
if (command === 'init') process.exitCode = init(dir);
else if (command === 'generate') process.exitCode = generate(dir);
else { say('usage: portico-cmp.mjs init|generate (run by Argo CD in the app directory)'); process.exitCode = 2; }
