#!/usr/bin/env node
// The pull-request check for app repos, for any CI system (the GitHub workflow
// .github/workflows/portico-pr-check.yml runs this too):
//   install deps → cdk8s synth → portico validate [--tenants FILE] → portico diff <base>.. <manifests>
// and one Markdown report, posted as ONE pull-request comment that later runs update (found by a
// marker), or written to a file (--output FILE) for other CI systems and for dry runs.
// Every command runs with an argument list (no shell), so inputs cannot inject commands.
// Plain JavaScript on purpose: it runs before anything is compiled, on the Node the app uses.
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MARKER, upsertComment } from './github-comment.mjs';
import { appPath, cdk8sBin, cdk8sOutput, porticoRunner, run } from './tools.mjs';

const USAGE = `usage: pr-check.mjs --base REF [flags]
  --base REF             the target branch or commit to diff against (e.g. origin/main); required
  --dir DIR              the app repository (default: .)
  --manifests PATH       the synthesized manifests (default: the output in cdk8s.yaml, else dist)
  --tenants FILE         the platform's tenants file (portico validate --tenants)
  --tenant NAME          judge every object as this tenant's
  --install / --no-install   run \`npm ci\` first (default: install when node_modules is missing)
  --no-synth             the repo holds plain manifests: skip cdk8s synth
  --portico FILE         the portico CLI entry (default: node_modules/.bin/portico, else this package's build/bin/portico.js)
  --output FILE          write the Markdown report here and post nothing (dry run / other CI systems)
  --github               post or update the PR comment (needs GITHUB_TOKEN, GITHUB_REPOSITORY, --pr N)
  --pr N                 the pull-request number
exit codes: 0 clean, 1 synth, validate or diff found problems, 2 usage or setup error`;

function fail(message) {
  process.stderr.write(`pr-check: ${message}\n`);
  process.exit(2);
}

const fence = (text) => `\`\`\`\n${text.replace(/```/g, "'''").trim()}\n\`\`\``;

function section(title, step) {
  return [`#### ${title}`, '', fence(`${step.stderr}${step.stdout}`.trim() || '(no output)'), ''].join('\n');
}

async function main() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        base: { type: 'string' }, dir: { type: 'string', default: '.' }, manifests: { type: 'string' },
        tenants: { type: 'string' }, tenant: { type: 'string' }, install: { type: 'boolean' }, 'no-install': { type: 'boolean' },
        'no-synth': { type: 'boolean' }, portico: { type: 'string' }, output: { type: 'string' }, github: { type: 'boolean' },
        pr: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  } catch (err) {
    fail(`${err.message}\n\n${USAGE}`);
  }
  const o = parsed.values;
  if (o.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  if (!o.base) fail(`--base REF is required\n\n${USAGE}`);
  if (!o.output && !o.github) fail('give --output FILE (write the report) or --github (post the PR comment)');
  const dir = resolve(o.dir);
  const timings = [];
  const time = (name, step) => { timings.push(`${name} ${(step.ms / 1000).toFixed(1)} s`); return step; };

  const install = o['no-install'] ? false : o.install ?? !existsSync(join(dir, 'node_modules'));
  if (install) {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const step = time('install', run(npm, ['ci', '--no-audit', '--no-fund'], dir));
    if (step.code === 127) fail(step.stderr);
    if (step.code !== 0) fail(`npm ci failed:\n${step.stderr}`);
  }

  const porticoRun = porticoRunner(dir, o.portico);
  if (!porticoRun) fail('portico is not installed in the app (npm install portico) and this package has no build/bin/portico.js (npm run build)');
  const manifests = o.manifests ?? cdk8sOutput(dir) ?? 'dist';
  const tenancy = o.tenants ? ['--tenants', resolve(dir, o.tenants), ...(o.tenant ? ['--tenant', o.tenant] : [])] : [];

  const parts = [];
  let failing = false;
  let synthOk = true;
  if (!o['no-synth']) {
    const cdk8s = cdk8sBin(dir);
    if (!cdk8s) fail('cdk8s-cli is not installed in the app (npm install -D cdk8s-cli), or pass --no-synth for plain manifests');
    const synth = time('synth', run(cdk8s, ['synth', '--no-check-upgrade'], dir, { PATH: appPath(dir) }));
    if (synth.code !== 0) {
      synthOk = false;
      failing = true;
      parts.push(section('❌ cdk8s synth failed', synth));
    }
  }
  if (synthOk) {
    // Independent of each other: both at once.
    const [validateRun, diffRun] = await Promise.all([
      porticoRun.async(['validate', ...tenancy, manifests]),
      porticoRun.async(['diff', '-o', 'md', ...tenancy, `${o.base}..`, manifests]),
    ]);
    const validate = time('validate', validateRun);
    if (validate.code !== 0) {
      failing = true;
      parts.push(section(`❌ portico validate found problems${o.tenants ? ` (tenancy rules from ${o.tenants})` : ''}`, validate));
    }
    const diff = time('diff', diffRun);
    if (diff.code === 2 || (diff.code !== 0 && diff.stdout.trim() === '')) {
      failing = true;
      parts.push(section('❌ portico diff could not run', diff));
    } else {
      if (diff.code !== 0) failing = true;
      parts.push(diff.stdout.trim(), '');
    }
  }
  const title = failing ? '## Portico check: ❌ problems found' : '## Portico check: ✅ passed';
  const body = [MARKER, title, '', `Compared with \`${o.base}\`; manifests \`${manifests}\`.`, '', ...parts,
    `<sub>${timings.join(' · ')}</sub>`, ''].join('\n');

  if (o.output) writeFileSync(resolve(o.output), body);
  if (o.github) {
    const { GITHUB_TOKEN: token, GITHUB_REPOSITORY: repo, GITHUB_API_URL: api = 'https://api.github.com' } = process.env;
    if (!token || !repo || !o.pr) fail('--github needs GITHUB_TOKEN and GITHUB_REPOSITORY in the environment and --pr N');
    try {
      const r = await upsertComment({ api, repo, pr: Number(o.pr), token, body });
      process.stderr.write(`pr-check: ${r.action} comment ${r.url}\n`);
    } catch (err) {
      // A pull request from a fork gets a read-only token: the verdict still stands (exit code,
      // --output), only the comment is missing.
      process.stderr.write(`pr-check: warning: could not post the PR comment: ${err.message}\n`);
    }
  }
  process.stderr.write(`pr-check: ${failing ? 'problems found' : 'passed'} (${timings.join(', ')})\n`);
  return failing ? 1 : 0;
}

process.exitCode = await main();
