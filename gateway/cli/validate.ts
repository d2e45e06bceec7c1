// `portico validate <files|dirs|->`: what the API server and the gateway would reject, offline.
// Schema + CEL per object, then the translator over the whole set, with Services/Secrets the
// manifests do not contain assumed to exist elsewhere (a warning, not an error).
import { stringify } from 'yaml';
import { translate } from '../translator/index.ts';
import { validateObject } from '../translator/schema/index.ts';
import { assumeExternalRefs } from '../translator/assume-external.ts';
import { fromObjects, snapshotLists, type KubeObject, type Snapshot } from '../model/index.ts';
import type { Problem, TranslateResult } from '../translator/api.ts';
import { tenantProblems } from '../translator/tenancy.ts';
import { assignTenants, tenantSetStandIns } from '../translator/tenant-set.ts';
import { readTenantSetFile } from '../provider/files/tenant-set.ts';
import { inspectPki } from '../provider/pki.ts';
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
  for (const o of own) problems.push(...validateObject(o));
  // Certificates are checked as serve checks them (provider/pki.ts), so validate reports what serve would refuse.
  let base: Snapshot = inspectPki(update.snapshot);
  const standIns = new Set<string>();
  let tenancyFound: Problem[] = [];
  if (tenancy) {
    const { tenantSet, problems: fileProblems } = readTenantSetFile(tenancy.tenantsFile);
    problems.push(...fileProblems);
    if (tenantSet) {
      // The platform's Namespaces and parents stand in for what this repo only refers to.
      const have = new Set(own.map(refKeyOf));
      const added = tenantSetStandIns(tenantSet).filter((o) => !have.has(refKeyOf(o)));
      for (const o of added) standIns.add(refKeyOf(o));
      base = { ...fromObjects([...own, ...added]).snapshot, pki: base.pki };
      const { judged, problems: assignProblems } = assignTenants(tenantSet, own, tenancy.tenant);
      problems.push(...assignProblems);
      tenancyFound = tenantProblems(judged, base);
    }
  }
  const { snapshot, warnings } = assumeExternalRefs(base);
  problems.push(...warnings, ...tenancyFound);
  // Where a tenancy rule and the translator flag the same field, the tenancy rule has the fix.
  const tenancyFields = new Set(tenancyFound.map((p) => `${refKeyOf(p.ref)}#${p.field}`));
  const translation = translate(snapshot, { controllerName, now });
  problems.push(...translation.problems.filter((p) => !tenancyFields.has(`${refKeyOf(p.ref)}#${p.field}`)));
  // Stand-ins belong to the platform repo, which validates them.
  const mine = problems.filter((p) => !standIns.has(refKeyOf(p.ref)));
  return { problems: dedupe(mine), objects: own.length, translation };
}

function refKeyOf(o: KubeObject | Problem['ref']): string {
  if ('metadata' in o) {
    const av = o.apiVersion ?? '';
    return `${av.includes('/') ? av.split('/')[0] : ''}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
  }
  return `${o.group}|${o.kind}|${o.namespace ?? ''}|${o.name}`;
}

// Schema and translator can both flag the same field for the same reason.
function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = JSON.stringify([p.severity, p.ref, p.field, p.reason, p.message]);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
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
