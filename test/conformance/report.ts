// The upstream ConformanceReport (conformance/apis/v1), written from this run's results.
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { CaseSpec } from './case-types.ts';
import { extendedFeatures, isCore, type Profile, PROFILE_NAMES, profilesOf } from './profiles.ts';
import type { CaseResult } from './run-case.ts';

interface Stats { Passed: number; Failed: number; Skipped: number }

function summary(results: CaseResult[]): { result: string; statistics: Stats; failedTests?: string[]; skippedTests?: string[] } {
  const statistics = {
    Passed: results.filter((r) => r.result === 'PASS').length,
    Failed: results.filter((r) => r.result === 'FAIL').length,
    Skipped: results.filter((r) => r.result === 'SKIP').length,
  };
  const result = statistics.Failed > 0 ? 'failure' : statistics.Skipped > 0 ? 'partial' : 'success';
  const out: ReturnType<typeof summary> = { result, statistics };
  if (statistics.Failed) out.failedTests = results.filter((r) => r.result === 'FAIL').map((r) => r.name);
  if (statistics.Skipped) out.skippedTests = results.filter((r) => r.result === 'SKIP').map((r) => r.name);
  return out;
}

export function buildReport(o: { cases: CaseSpec[]; results: CaseResult[]; profiles: Profile[]; supported: string[]; version: string; date?: Date }) {
  const byName = new Map(o.results.map((r) => [r.name, r]));
  const profiles = o.profiles.map((p) => {
    const inProfile = o.cases.filter((c) => profilesOf(c).includes(p) && byName.has(c.name));
    const core = inProfile.filter((c) => isCore(c, p)).map((c) => byName.get(c.name)!);
    const extended = inProfile.filter((c) => !isCore(c, p)).map((c) => byName.get(c.name)!);
    const ext = extendedFeatures(o.cases, p);
    const c = summary(core);
    const e = summary(extended);
    const says = (what: string, r: ReturnType<typeof summary>) => r.statistics.Failed > 0
      ? `${what} tests failed with ${r.statistics.Failed} test failures.`
      : `${what} tests ${r.statistics.Skipped > 0 ? 'partially succeeded' : 'succeeded'}.`;
    return {
      name: PROFILE_NAMES[p],
      summary: `${says('Core', c)} ${says('Extended', e)}`,
      core: c,
      extended: {
        ...e,
        supportedFeatures: ext.filter((f) => o.supported.includes(f)),
        unsupportedFeatures: ext.filter((f) => !o.supported.includes(f)),
      },
    };
  });
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'ConformanceReport',
    date: (o.date ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z'),
    gatewayAPIVersion: 'v1.6.1',
    gatewayAPIChannel: 'experimental',
    implementation: {
      organization: 'portico',
      project: 'portico',
      url: 'https://portico.dev',
      version: o.version,
      contact: ['@portico/maintainers'],
    },
    mode: 'default',
    profiles,
  };
}

export function writeReport(path: string, report: unknown): void {
  writeFileSync(path, stringify(report, { lineWidth: 0 }));
}
