// `npm run conformance [-- --profile http] [--only A,B] [--jobs N] [--report PATH] [--verbose]`:
// replays test/conformance/cases against `portico serve`, one gateway process per case.
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CaseSpec } from './case-types.ts';
import { CertStore, SUITE_SECRETS } from './certs.ts';
import { DEFAULT_TIMING } from './checks/timing.ts';
import { AddressPool } from './pods.ts';
import { type Profile, PROFILE_NAMES, profilesOf } from './profiles.ts';
import { buildReport, writeReport } from './report.ts';
import { type CaseResult, type RunContext, runCase } from './run-case.ts';
import { pool } from './checks/timing.ts';

const HERE = import.meta.dirname;
const ROOT = resolve(HERE, '../..');

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    profile: { type: 'string', multiple: true },
    jobs: { type: 'string' },
    report: { type: 'string' },
    cases: { type: 'string', default: join(HERE, 'cases') },
    manifests: { type: 'string', default: join(HERE, 'upstream') },
    'controller-name': { type: 'string', default: 'portico.dev/gateway-controller' },
    'max-time': { type: 'string', default: '30' },
    verbose: { type: 'boolean', default: false },
    // A failed case is run again this many times; a pass on a retry is reported as such (never
    // silently). For investigating a flaky case locally; CI runs without retries.
    retries: { type: 'string', default: '0' },
  },
});
const RETRIES = Number(values.retries);
const retried: string[] = [];

const profiles = (values.profile ?? []).flatMap((p) => p.split(',')).map((p) => p.trim().toLowerCase()) as Profile[];
for (const p of profiles) if (!(p in PROFILE_NAMES)) { console.error(`unknown profile ${p} (http|grpc|tls|tcp|udp)`); process.exit(2); }
const only = values.only ? new Set(values.only.split(',').map((s) => s.trim())) : undefined;
const jobs = Math.max(1, Math.min(4, Number(values.jobs ?? Math.max(2, availableParallelism()))));

const all: CaseSpec[] = readdirSync(values.cases!).filter((f) => f.endsWith('.json')).sort()
  .map((f) => JSON.parse(readFileSync(join(values.cases!, f), 'utf8')));
if (only) for (const n of only) if (!all.some((c) => c.name === n)) { console.error(`no case named ${n}`); process.exit(2); }

const results: CaseResult[] = [];
const selected: CaseSpec[] = [];
for (const c of all) {
  if (only && !only.has(c.name)) continue;
  if (profiles.length > 0 && !profilesOf(c).some((p) => profiles.includes(p))) continue;
  selected.push(c);
}

const ctx: RunContext = {
  manifestsRoot: values.manifests!,
  certs: new CertStore(),
  podAddresses: new AddressPool(),
  controllerName: values['controller-name']!,
  gatewayClassName: 'portico-conformance',
  addressPool: '127.0.1.0/24',
  usable: [{ type: 'IPAddress', value: '127.0.1.254' }],
  unusable: [{ type: 'IPAddress', value: '192.0.2.1' }],
  timing: { ...DEFAULT_TIMING, maxTimeMs: Number(values['max-time']) * 1000 },
  verbose: values.verbose!,
};

// A case that hangs (a client without a deadline, a wedged gateway) fails instead of stalling CI.
const CASE_LIMIT_MS = Math.max(180000, ctx.timing.maxTimeMs * 8);
function withWatchdog(name: string, p: Promise<CaseResult>): Promise<CaseResult> {
  let timer: NodeJS.Timeout;
  const limit = new Promise<CaseResult>((res) => {
    timer = setTimeout(() => res({ name, result: 'FAIL', reason: `case did not finish within ${CASE_LIMIT_MS / 1000} s`, ms: CASE_LIMIT_MS }), CASE_LIMIT_MS);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

const t0 = Date.now();
// The suite's keys once, up front and in parallel: cases then only read them.
const specs = new Map(SUITE_SECRETS.map((s) => [`${s.namespace}/${s.name}`, s]));
await Promise.all(SUITE_SECRETS.map((s) => ctx.certs.get(s, specs)));

// Each slot owns a port offset (listener ports stay below 10000) and an admin port.
// Each parallel slot owns a port offset 10000 wide (listener ports stay below 10000); the base is
// random so that two runs on one machine (CI and a developer) rarely collide.
const base = 11000 + Math.floor(Math.random() * 5000);
const free = Array.from({ length: jobs }, (_, i) => base + i * 10000);
await pool(selected, jobs, async (c) => {
  const portOffset = free.shift()!;
  try {
    let r = await withWatchdog(c.name, runCase(c, ctx, { portOffset }));
    for (let attempt = 1; r.result === 'FAIL' && attempt <= RETRIES; attempt++) {
      console.log(`RETRY ${r.name} after: ${r.reason.split('\n')[0]}`);
      r = await withWatchdog(c.name, runCase(c, ctx, { portOffset }));
      if (r.result === 'PASS') retried.push(r.name);
    }
    results.push(r);
    // One line per case (`RESULT name reason`); timings and gateway logs only with --verbose.
    const reason = ctx.verbose ? r.reason.replace(/\n/g, '\n    ') : r.reason.split('\n')[0];
    console.log(`${r.result} ${r.name}${reason ? ' ' + reason : ''}${ctx.verbose ? ` (${(r.ms / 1000).toFixed(1)}s)` : ''}`);
  } finally {
    free.push(portOffset);
  }
});

const passed = results.filter((r) => r.result === 'PASS').length;
const failed = results.filter((r) => r.result === 'FAIL').length;
const skipped = results.filter((r) => r.result === 'SKIP').length;
const supported = [...new Set(results.flatMap((r) => r.supportedFeatures ?? []))];
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const reportPath = values.report ?? join(HERE, 'report.yaml');
writeReport(reportPath, buildReport({
  cases: selected, results, supported, version: pkg.version,
  // The profiles asked for, or those the selected cases belong to.
  profiles: profiles.length ? profiles : (['http', 'grpc', 'tls', 'tcp', 'udp'] as Profile[]).filter((p) => selected.some((c) => profilesOf(c).includes(p))),
}));
console.error(`report: ${reportPath} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
if (retried.length > 0) console.log(`passed only on a retry (flaky, to be fixed): ${retried.join(', ')}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
