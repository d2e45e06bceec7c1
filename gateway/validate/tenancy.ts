// The tenancy rules: what a tenant may declare and where, which hostnames it owns, which
// listeners its routes may use, which policy kinds it may set. A pure pass over the objects and
// the translator's decisions: attachment (which listener a parentRef selects, which of them take
// the route) and ReferenceGrants (cross-namespace references) are judged by the translator only;
// a reference the grants do not permit is reported once, by the translator (RefNotPermitted).
import type { KubeObject, Listener } from '../model/index.ts';
import { GATEWAY_GROUP, groupOf, POLICY_GROUP } from '../model/index.ts';
import type { PolicyTargetReference } from '../model/index.ts';
import type { ListenerVerdict, ObjectRef, ParentDecision, Problem } from '../translator/api.ts';
import { hostnameWithin, Reason } from '../translator/index.ts';
import type { OfflineHook, OfflineView } from './validate-offline.ts';

/** One tenant, as plain data (a Tenant construct renders itself to this; a file can hold a list). */
export interface TenantModel {
  /** The name used in messages (and the namespace label value). */
  name: string;
  /** Namespaces the tenant owns. */
  namespaces: string[];
  /** Hostnames the tenant's routes and listeners may use ("*.shop.example.com" covers names below it). */
  hostnames: string[];
  /** Platform listeners the tenant's routes may attach to. */
  listeners: TenantListener[];
  /** Whether the tenant may declare ListenerSets (whose listeners its routes may then use). */
  allowListenerSets: boolean;
  /** Policy kinds (e.g. BackendTLSPolicy) the tenant may declare. @default - every policy kind */
  policyKinds?: string[];
}

export interface TenantListener {
  /** "Gateway" or "ListenerSet". */
  kind: string;
  namespace: string;
  /** The Gateway's (or ListenerSet's) name. */
  name: string;
  /** The listener name. */
  sectionName: string;
}

export interface TenancyOptions {
  tenants: readonly TenantModel[];
  /**
   * The tenant that declared an object (by name), or undefined for the platform's objects.
   * @default - the tenant owning the object's namespace
   */
  tenantOf?: (obj: KubeObject<any>) => string | undefined;
}

const ROUTE_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute']);
const HOSTNAME_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute']);
const CLUSTER_SCOPED = new Set([
  'Namespace', 'GatewayClass', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume',
  'StorageClass', 'PriorityClass', 'IngressClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration',
]);
const OWNS_FIX = 'use a hostname the tenant owns or ask the platform team to add it to the tenant';

/** Whether `hostname` (exact or wildcard) lies within the tenant's hostnames. */
export function ownsHostname(tenant: TenantModel, hostname: string): boolean {
  return (tenant.hostnames ?? []).some((owned) => hostnameWithin(hostname.toLowerCase(), owned));
}

/** The tenant owning the object's namespace (the default owner of an object). */
export function tenantByNamespace(tenants: readonly TenantModel[], o: KubeObject): string | undefined {
  const ns = o.metadata.namespace;
  return ns === undefined ? undefined : tenants.find((t) => t.namespaces.includes(ns))?.name;
}

/** The tenancy rules as a hook of validateOffline(). */
export function tenancyRules(options: TenancyOptions): OfflineHook {
  return (view) => tenancyProblems(view, options);
}

export function tenancyProblems(view: OfflineView, options: TenancyOptions): Problem[] {
  const byName = new Map(options.tenants.map((t) => [t.name, t]));
  const which = options.tenantOf ?? ((o: KubeObject<any>) => tenantByNamespace(options.tenants, o));
  const tenantOf = (o: KubeObject<any>): TenantModel | undefined => {
    const n = which(o);
    return n === undefined ? undefined : byName.get(n);
  };

  const out: Problem[] = [];
  const routeTenants = new Map<string, TenantModel>();
  // Listeners of a tenant's own ListenerSets are the tenant's to use.
  const ownListeners = new Map<TenantModel, Set<string>>();
  for (const obj of view.objects) {
    const tenant = tenantOf(obj);
    if (!tenant) continue;
    const declared = declarationProblems(obj, tenant);
    out.push(...declared);
    if (declared.length > 0) continue;
    if (obj.kind === 'ListenerSet') {
      const own = ownListeners.get(tenant) ?? new Set<string>();
      ((obj.spec?.listeners ?? []) as Listener[]).forEach((l, i) => {
        own.add(listenerKey('ListenerSet', obj.metadata.namespace, obj.metadata.name, l.name));
        if (l.hostname !== undefined ? !ownsHostname(tenant, l.hostname) : l.protocol !== 'TCP' && l.protocol !== 'UDP') {
          out.push(problem(obj, `spec.listeners[${i}].hostname`, 'HostnameNotOwned',
            `"${l.hostname ?? '*'}" is not owned by tenant "${tenant.name}" (owns: ${owned(tenant)})`, OWNS_FIX));
        }
      });
      ownListeners.set(tenant, own);
    }
    if (ROUTE_KINDS.has(obj.kind) && groupOf(obj.apiVersion) === GATEWAY_GROUP) {
      routeTenants.set(refKey(refOf(obj)), tenant);
      ((obj.spec?.hostnames ?? []) as string[]).forEach((h, i) => {
        if (!ownsHostname(tenant, h)) {
          out.push(problem(obj, `spec.hostnames[${i}]`, 'HostnameNotOwned', `"${h}" is not owned by tenant "${tenant.name}" (owns: ${owned(tenant)})`, OWNS_FIX));
        }
      });
    }
  }
  const objects = new Map(view.objects.map((o) => [refKey(refOf(o)), o]));
  for (const obj of view.objects) {
    const tenant = groupOf(obj.apiVersion) === POLICY_GROUP ? tenantOf(obj) : undefined;
    if (tenant) out.push(...policyTargetProblems(obj, tenant, (ref) => { const o = objects.get(refKey(ref)); return o ? { owner: tenantOf(o) } : undefined; }));
  }
  for (const d of view.decisions.parents) {
    const tenant = routeTenants.get(refKey(d.route));
    const obj = objects.get(refKey(d.route));
    if (tenant && obj) out.push(...attachmentProblems(d, obj, tenant, ownListeners.get(tenant) ?? new Set()));
  }
  return out;
}

/** What the tenant may not declare at all, or not where it did. */
function declarationProblems(obj: KubeObject<any>, tenant: TenantModel): Problem[] {
  const id = `tenant "${tenant.name}"`;
  const kind = obj.kind;
  if (kind === 'Gateway' || kind === 'GatewayClass') {
    const usable = (tenant.listeners ?? []).map((l) => l.sectionName).join(', ') || 'none yet';
    return [problem(obj, 'kind', 'TenantMayNotDeclare', `is declared by ${id}, but ${kind === 'Gateway' ? 'Gateways' : 'GatewayClasses'} are owned by the platform`,
      `attach routes to a platform listener the tenant may use (${usable}) or ask the platform team for one`)];
  }
  if (kind === 'ListenerSet' && !tenant.allowListenerSets) {
    return [problem(obj, 'kind', 'TenantMayNotDeclare', `is declared by ${id}, which the platform does not allow to declare ListenerSets`,
      'attach routes to a platform listener instead, or ask the platform team to set allowListenerSets on the tenant')];
  }
  if (CLUSTER_SCOPED.has(kind)) {
    return [problem(obj, 'kind', 'TenantMayNotDeclare', `is cluster-scoped; ${id} may only declare namespaced objects`,
      'ask the platform team to declare it (tenant namespaces come from the Tenant declaration)')];
  }
  if (kind.endsWith('Policy') && tenant.policyKinds && !tenant.policyKinds.includes(kind)) {
    return [problem(obj, 'kind', 'PolicyNotAllowed', `is a policy kind ${id} may not set (may set: ${tenant.policyKinds.join(', ') || 'none'})`,
      `ask the platform team to add ${kind} to the tenant's policy kinds, or to set the policy for you`)];
  }
  const ns = obj.metadata.namespace ?? '';
  if (!tenant.namespaces.includes(ns)) {
    return [problem(obj, 'metadata.namespace', 'OutsideTenantNamespaces', `"${ns}" is outside ${id} (namespaces: ${tenant.namespaces.join(', ')})`,
      `move it into one of the tenant's namespaces or into a chart of the tenant that owns "${ns}"`)];
  }
  return [];
}

/**
 * A tenant route may only use listeners the platform gave it (or its own ListenerSets'), and a
 * route without hostnames takes the listener's: the tenant must own those. Which listeners a
 * parentRef selects and which of them admit the route is the translator's verdict: a parentRef
 * naming a section or port uses the listeners it names; one naming the whole parent uses every
 * listener whose allowedRoutes admit the route.
 */
function attachmentProblems(d: ParentDecision, obj: KubeObject<any>, tenant: TenantModel, own: Set<string>): Problem[] {
  const out: Problem[] = [];
  const explicit = d.parentRef.sectionName !== undefined || d.parentRef.port !== undefined;
  const allowed = new Set([...(tenant.listeners ?? []).map((l) => listenerKey(l.kind, l.namespace, l.name, l.sectionName)), ...own]);
  const usable = (tenant.listeners ?? []).map((l) => `${l.name}/${l.sectionName}`).join(', ') || 'none';
  const hostnames = (obj.spec?.hostnames ?? []) as string[];
  for (const v of d.listeners) {
    if (!explicit && v.reason === Reason.NotAllowedByListeners) continue;
    if (!allowed.has(listenerKey(v.owner.kind, v.owner.namespace, v.owner.name, v.name))) {
      out.push(problem(obj, d.field, 'ListenerNotAllowed', `attaches to ${describe(v)}, which tenant "${tenant.name}" may not use (may use: ${usable})`,
        d.parentRef.sectionName === undefined ? 'set sectionName to a listener the tenant may use' : 'attach to a listener the tenant may use or ask the platform team to add this one to the tenant'));
      continue;
    }
    if (hostnames.length === 0 && HOSTNAME_KINDS.has(d.route.kind) && !ownsHostname(tenant, v.hostname ?? '*')) {
      out.push(problem(obj, 'spec.hostnames', 'HostnameNotOwned',
        `is empty, so the route takes every hostname of ${describe(v)} ("${v.hostname ?? '*'}"), which is not owned by tenant "${tenant.name}" (owns: ${owned(tenant)})`,
        'set spec.hostnames to hostnames the tenant owns'));
    }
  }
  return out;
}

/**
 * Portico's attached policies (GEP-713, group policy.portico.dev): a tenant attaches them to its
 * own routes and route rules only. Gateway- and listener-level policies are the platform's: they
 * would change what every tenant on the Gateway gets.
 */
function policyTargetProblems(obj: KubeObject<any>, tenant: TenantModel, ownerOf: (ref: ObjectRef) => { owner: TenantModel | undefined } | undefined): Problem[] {
  const out: Problem[] = [];
  const ns = obj.metadata.namespace;
  ((obj.spec?.targetRefs ?? []) as PolicyTargetReference[]).forEach((t, i) => {
    const field = `spec.targetRefs[${i}]`;
    const what = `${t.kind} ${ns ?? ''}/${t.name}${t.sectionName ? ` (section "${t.sectionName}")` : ''}`;
    if (t.kind !== 'HTTPRoute' && t.kind !== 'GRPCRoute') {
      out.push(problem(obj, field, 'PolicyTargetNotAllowed',
        `targets ${what}: tenant "${tenant.name}" may attach ${obj.kind} only to its own routes; Gateway- and listener-level policies are the platform's`,
        `target one of the tenant's HTTPRoutes or GRPCRoutes (sectionName: a rule name), or ask the platform team to set the policy on the ${t.kind}`));
      return;
    }
    // A route that is not among the objects is the translator's TargetNotFound, not a tenancy question.
    const found = ownerOf({ group: t.group || GATEWAY_GROUP, kind: t.kind, namespace: ns, name: t.name });
    if (found && found.owner !== tenant) {
      const whose = found.owner ? `tenant "${found.owner.name}"` : 'the platform';
      out.push(problem(obj, field, 'PolicyTargetNotAllowed', `targets ${what}, which belongs to ${whose}, not to tenant "${tenant.name}"`,
        `target a route of tenant "${tenant.name}", or ask ${whose === 'the platform' ? 'the platform team' : whose} to attach the policy`));
    }
  });
  return out;
}

const owned = (t: TenantModel) => (t.hostnames ?? []).join(', ') || 'none';
const listenerKey = (kind: string, ns: string | undefined, name: string, section: string) => `${kind}/${ns ?? ''}/${name}/${section}`;
const describe = (v: ListenerVerdict) => `${v.owner.kind === 'Gateway' ? 'gateway' : 'listener set'} ${v.owner.namespace}/${v.owner.name} listener "${v.name}"`;
const refKey = (r: ObjectRef) => `${r.group}|${r.kind}|${r.namespace ?? ''}|${r.name}`;

function refOf(o: KubeObject): ObjectRef {
  return { group: groupOf(o.apiVersion), kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name };
}

function problem(o: KubeObject, field: string, reason: string, message: string, fix: string): Problem {
  return { severity: 'error', ref: refOf(o), field, reason, message, fix };
}
