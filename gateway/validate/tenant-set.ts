// The platform's tenants file: what a platform repo publishes so that app repos, which only hold
// routes, are judged by the same tenancy rules as the platform's own synth
// (`portico validate --tenants FILE`). It carries the tenants (namespaces, hostnames, usable
// listeners) and the parents routes attach to (GatewayClasses, Gateways, ListenerSets), which the
// app repo does not contain; they are stand-ins that are assumed to exist, never judged here.
import type { KubeObject } from '../model/index.ts';
import type { Problem } from '../translator/api.ts';
import type { TenancyOptions, TenantModel } from './tenancy.ts';

export const TENANT_SET_API_VERSION = 'portico.dev/v1alpha1';
export const TENANT_SET_KIND = 'TenantSet';
/** The namespace label that marks a tenant's namespaces (the Tenant construct sets it). */
export const TENANT_LABEL = 'portico.dev/tenant';

export interface TenantSetEntry extends TenantModel {
  /** Labels of the tenant's Namespaces (allowedRoutes selectors read them). */
  namespaceLabels: Record<string, string>;
}

export interface TenantSetDocument {
  apiVersion: typeof TENANT_SET_API_VERSION;
  kind: typeof TENANT_SET_KIND;
  metadata: { name: string };
  spec: {
    tenants: TenantSetEntry[];
    /** The platform's GatewayClasses, Gateways and ListenerSets as synthesized. */
    parents: KubeObject<any>[];
  };
}

const PARENT_KINDS = new Set(['GatewayClass', 'Gateway', 'ListenerSet']);

function fileProblem(source: string, field: string, message: string): Problem {
  return {
    severity: 'error', ref: { group: '', kind: 'File', name: source }, field, reason: 'InvalidTenantSet', message,
    fix: 'regenerate the file from the platform app (cdk8s synth writes it) or fetch it again',
  };
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Checks the shape of a parsed tenants file; the problems say which field is wrong. */
export function parseTenantSet(value: unknown, source: string): { tenantSet?: TenantSetDocument; problems: Problem[] } {
  const problems: Problem[] = [];
  const doc = value as Partial<TenantSetDocument> | null;
  if (typeof doc !== 'object' || doc === null || doc.apiVersion !== TENANT_SET_API_VERSION || doc.kind !== TENANT_SET_KIND) {
    return { problems: [fileProblem(source, '', `is not a ${TENANT_SET_API_VERSION} ${TENANT_SET_KIND}`)] };
  }
  const tenants = doc.spec?.tenants;
  const parents = doc.spec?.parents ?? [];
  if (!Array.isArray(tenants)) return { problems: [fileProblem(source, 'spec.tenants', 'must be a list')] };
  if (!Array.isArray(parents)) return { problems: [fileProblem(source, 'spec.parents', 'must be a list')] };
  tenants.forEach((t, i) => {
    const f = `spec.tenants[${i}]`;
    if (typeof t?.name !== 'string') problems.push(fileProblem(source, `${f}.name`, 'must be a string'));
    if (!isStrings(t?.namespaces) || t.namespaces.length === 0) problems.push(fileProblem(source, `${f}.namespaces`, 'must be a non-empty list of namespaces'));
    if (!isStrings(t?.hostnames)) problems.push(fileProblem(source, `${f}.hostnames`, 'must be a list of hostnames'));
    if (t?.policyKinds !== undefined && !isStrings(t.policyKinds)) problems.push(fileProblem(source, `${f}.policyKinds`, 'must be a list of policy kinds'));
    if (!Array.isArray(t?.listeners) || !t.listeners.every((l) => ['kind', 'namespace', 'name', 'sectionName'].every((k) => typeof (l as any)?.[k] === 'string'))) {
      problems.push(fileProblem(source, `${f}.listeners`, 'must be a list of { kind, namespace, name, sectionName }'));
    }
  });
  parents.forEach((p, i) => {
    if (!PARENT_KINDS.has(p?.kind) || typeof p?.metadata?.name !== 'string') {
      problems.push(fileProblem(source, `spec.parents[${i}]`, 'must be a GatewayClass, Gateway or ListenerSet manifest'));
    }
  });
  if (problems.length > 0) return { problems };
  const normalized: TenantSetEntry[] = tenants.map((t) => ({
    name: t.name, namespaces: [...t.namespaces], hostnames: [...t.hostnames],
    listeners: t.listeners.map((l) => ({ kind: l.kind, namespace: l.namespace, name: l.name, sectionName: l.sectionName })),
    allowListenerSets: t.allowListenerSets === true,
    ...(isStrings(t.policyKinds) ? { policyKinds: [...t.policyKinds] } : {}),
    namespaceLabels: { ...(t.namespaceLabels ?? {}), [TENANT_LABEL]: t.name },
  }));
  return { tenantSet: { ...(doc as TenantSetDocument), spec: { tenants: normalized, parents } }, problems };
}

/**
 * The tenancy rules' input for a tenants file: the tenant of each object is `only` (an app repo
 * of one tenant: everything it declares is that tenant's) or else the tenant owning the object's
 * namespace (a platform repo with tenant charts). Objects of no tenant are the platform's own.
 */
export function tenancyOf(set: TenantSetDocument, only?: string): { tenancy?: TenancyOptions; problems: Problem[] } {
  if (only !== undefined && !set.spec.tenants.some((t) => t.name === only)) {
    const known = set.spec.tenants.map((t) => t.name).join(', ') || 'none';
    return { problems: [{ severity: 'error', ref: { group: '', kind: 'File', name: set.metadata.name }, field: '', reason: 'UnknownTenant', message: `tenant "${only}" is not in the tenants file (tenants: ${known})`, fix: 'pass --tenant with one of its tenants or ask the platform team to declare yours' }] };
  }
  return { tenancy: { tenants: set.spec.tenants, ...(only !== undefined ? { tenantOf: () => only } : {}) }, problems: [] };
}

/** What the app refers to but the platform declares: the tenants' Namespaces and the parents. */
export function tenantSetStandIns(set: TenantSetDocument): KubeObject<any>[] {
  const namespaces = set.spec.tenants.flatMap((t) => t.namespaces.map((name): KubeObject<any> => ({
    apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...t.namespaceLabels } },
  })));
  return [...namespaces, ...set.spec.parents];
}
