// `portico validate <files|dirs|->`: what the API server and the gateway would reject, offline.
// The files are read here; the verdict is validateOffline(), the same one synth runs, with the
// platform's tenancy rules as its hook when a tenants file is given.
import { stringify } from 'yaml';
import { snapshotLists, type KubeObject } from '../model/index.ts';
import type { Problem, TranslateResult } from '../translator/api.ts';
import { tenancyOf, tenancyRules, tenantByNamespace, tenantSetStandIns, validateOffline, type OfflineHook } from '../validate/index.ts';
import { readTenantSetFile } from '../provider/files/tenant-set.ts';
import { inspectCertificates } from '../pki/certificates.ts';
import type { ProviderUpdate } from '../pipeline.ts';
import { EXIT, outputFormat, parseCommand, UsageError, usageText } from './command.ts';
import { validateCommand } from './commands.ts';
import { readInputs } from './inputs.ts';
import { formatProblem, locate, type LocatedProblem } from './problems.ts';
import type { CliIo } from '../cli.ts';

export interface TenancyOptions {
  /** The platform's tenants file (a portico.dev/v1alpha1 TenantSet). */
  tenantsFile: string;
  /** Judge every object as this tenant's (an app repo); default: by namespace. */
  tenant?: string;
}

export function validateUpdate(update: ProviderUpdate, controllerName: string, now: string, tenancy?: TenancyOptions): { problems: Problem[]; objects: number; translation: TranslateResult } {
  const problems: Problem[] = [...update.problems];
  const own = snapshotLists(update.snapshot).flat();
  const standIns: KubeObject<any>[] = [];
  const hooks: OfflineHook[] = [];
  if (tenancy) {
    const { tenantSet, problems: fileProblems } = readTenantSetFile(tenancy.tenantsFile);
    problems.push(...fileProblems);
    if (tenantSet) {
      // The platform's Namespaces and parents stand in for what this repo only refers to.
      const have = new Set(own.map(refKeyOf));
      standIns.push(...tenantSetStandIns(tenantSet).filter((o) => !have.has(refKeyOf(o))));
      const { tenancy: rules, problems: tenantProblems } = tenancyOf(tenantSet, tenancy.tenant);
      problems.push(...tenantProblems);
      if (rules) {
        // Stand-ins are the platform's, never a tenant's.
        const platform = new Set(standIns.map(refKeyOf));
        const tenantOf = rules.tenantOf;
        hooks.push(tenancyRules({ ...rules, tenantOf: (o) => (platform.has(refKeyOf(o)) ? undefined : tenantOf ? tenantOf(o) : tenantByNamespace(rules.tenants, o)) }));
      }
    }
  }
  // Certificates are checked as serve checks them (gateway/pki), so validate reports what serve would refuse.
  const result = validateOffline({ objects: [...own, ...standIns], inspectCertificates, controllerNames: [controllerName], now, hooks });
  // Stand-ins belong to the platform repo, which validates them.
  const elsewhere = new Set(standIns.map(refKeyOf));
  problems.push(...result.problems.filter((p) => !elsewhere.has(refKeyOf(p.ref))));
  return { problems, objects: own.length, translation: result.translations[0].result };
}

function refKeyOf(o: KubeObject | Problem['ref']): string {
  if ('metadata' in o) {
    const av = o.apiVersion ?? '';
    return `${av.includes('/') ? av.split('/')[0] : ''}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
  }
  return `${o.group}|${o.kind}|${o.namespace ?? ''}|${o.name}`;
}

export async function runValidate(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(validateCommand, args);
  if (positionals.length === 0) throw new UsageError(`portico validate: no manifests given\n\n${usageText(validateCommand)}`);
  if (values.format !== undefined && values.output !== undefined) {
    throw new UsageError('portico validate: give -o or --format, not both');
  }
  const format = outputFormat(values.format ?? values.output, validateCommand);
  if (values.tenant !== undefined && values.tenants === undefined) throw new UsageError(`portico validate: --tenant needs --tenants FILE\n\n${usageText(validateCommand)}`);
  const tenancy = values.tenants === undefined ? undefined : { tenantsFile: values.tenants, tenant: values.tenant };
  const now = io.now();
  const inputs = await readInputs(positionals, { now: () => now, cwd: io.cwd, stdin: io.stdin });
  const { problems, objects } = validateUpdate(inputs.update, values['controller-name']!, now, tenancy);
  const located: LocatedProblem[] = locate(problems, inputs.update.sources, io.cwd, inputs.text);
  const errors = located.filter((p) => p.severity === 'error');
  if (format === 'json') io.out(JSON.stringify({ objects, problems: located }, null, 2));
  else if (format === 'yaml') io.out(stringify({ objects, problems: located }));
  else {
    for (const p of errors) io.out(formatProblem(p));
    for (const p of located.filter((x) => x.severity === 'warning')) io.err(`warning: ${formatProblem(p)}`);
    io.err(`${objects} objects, ${errors.length} errors, ${located.length - errors.length} warnings`);
  }
  return errors.length > 0 ? EXIT.problems : EXIT.ok;
}
