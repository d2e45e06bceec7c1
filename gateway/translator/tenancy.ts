// The tenancy rules: what a tenant may declare, where, for which hostnames, on which listeners.
// Pure, over plain tenant data, so synth (the Tenant constructs) and `portico validate --tenants`
// (a platform's tenants file) judge with the same code. Each returns Problems (same shape as the
// translator's) so they are reported the same way: kind ns/name, field, reason, fix.
import type { KubeObject, Listener, ParentReference, Snapshot } from '../model/index.ts';
import type { Problem } from './api.ts';
import { selectorMatches } from './context.ts';
import { hostnameWithin } from './hostnames.ts';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** A listener a tenant may attach to. */
export interface TenantListenerRef {
  /** "Gateway" or "ListenerSet". */
  kind: string;
  namespace: string;
  name: string;
  sectionName: string;
}

/** What the rules need to know about a tenant: plain data (the Tenant construct and the tenants file both give it). */
export interface TenantRules {
  name: string;
  namespaces: string[];
  hostnames: string[];
  listeners: TenantListenerRef[];
  allowListenerSets: boolean;
}

/** An object to judge and the tenant that declares it (none: a platform object, not judged). */
export interface TenantObject {
  obj: KubeObject<any>;
  tenant?: TenantRules;
}

/** Whether `hostname` (exact or wildcard) lies within the tenant's hostnames. */
export function tenantOwnsHostname(tenant: TenantRules, hostname: string): boolean {
  return tenant.hostnames.some((owned) => hostnameWithin(hostname.toLowerCase(), owned));
}

const ROUTE_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute']);
const HOSTNAME_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute']);
const CLUSTER_SCOPED = new Set(['Namespace', 'GatewayClass', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);

function refOf(o: KubeObject): Problem['ref'] {
  const av = o.apiVersion ?? '';
  return { group: av.includes('/') ? av.split('/')[0] : '', kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name };
}

function problem(o: KubeObject, field: string, reason: string, message: string, fix: string): Problem {
  return { severity: 'error', ref: refOf(o), field, reason, message, fix };
}

interface ListenerAt {
  parentKind: string;
  namespace: string;
  parentName: string;
  listener: Listener;
}

const listenerKey = (kind: string, ns: string | undefined, name: string, section: string) => `${kind}/${ns ?? ''}/${name}/${section}`;
const describe = (l: ListenerAt) => `${l.parentKind === 'Gateway' ? 'gateway' : 'listener set'} ${l.namespace}/${l.parentName} listener "${l.listener.name}"`;

/** The listeners a parentRef of a route in `routeNs` would attach to (before allowedRoutes). */
function listenersOf(snapshot: Snapshot, p: ParentReference, routeNs: string): ListenerAt[] {
  const kind = p.kind ?? 'Gateway';
  const ns = p.namespace ?? routeNs;
  const parent = kind === 'Gateway'
    ? snapshot.gateways.find((g) => g.metadata.name === p.name && g.metadata.namespace === ns)
    : kind === 'ListenerSet' ? snapshot.listenerSets.find((g) => g.metadata.name === p.name && g.metadata.namespace === ns) : undefined;
  const listeners = (parent?.spec?.listeners ?? []) as Listener[];
  return listeners
    .filter((l) => (p.sectionName === undefined || l.name === p.sectionName) && (p.port === undefined || l.port === p.port))
    .map((listener) => ({ parentKind: kind, namespace: ns, parentName: p.name, listener }));
}

function admits(snapshot: Snapshot, l: ListenerAt, routeKind: string, routeNs: string): boolean {
  const kinds = l.listener.allowedRoutes?.kinds;
  if (kinds && !kinds.some((k) => k.kind === routeKind && (k.group ?? GATEWAY_GROUP) === GATEWAY_GROUP)) return false;
  const from = l.listener.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Same') return routeNs === l.namespace;
  const ns = snapshot.namespaces.find((n) => n.metadata.name === routeNs);
  const labels = { ...(ns?.metadata.labels ?? {}), 'kubernetes.io/metadata.name': routeNs };
  return selectorMatches(l.listener.allowedRoutes?.namespaces?.selector, labels);
}

/** Rules about a tenant's objects. */
export function tenantProblems(objects: readonly TenantObject[], snapshot: Snapshot): Problem[] {
  const out: Problem[] = [];
  for (const { obj, tenant } of objects) {
    if (!tenant) continue;
    const id = `tenant "${tenant.name}"`;
    const kind = obj.kind;
    if (kind === 'Gateway' || kind === 'GatewayClass') {
      out.push(problem(obj, 'kind', 'TenantMayNotDeclare', `is declared by ${id}, but ${kind === 'Gateway' ? 'Gateways' : 'GatewayClasses'} are owned by the platform`,
        `attach routes to a platform listener the tenant may use (${tenant.listeners.map((l) => l.sectionName).join(', ') || 'none yet'}) or ask the platform team for one`));
      continue;
    }
    if (kind === 'ListenerSet' && !tenant.allowListenerSets) {
      out.push(problem(obj, 'kind', 'TenantMayNotDeclare', `is declared by ${id}, which the platform does not allow to declare ListenerSets`,
        'attach routes to a platform listener instead, or ask the platform team to set allowListenerSets on the tenant'));
      continue;
    }
    if (CLUSTER_SCOPED.has(kind)) {
      out.push(problem(obj, 'kind', 'TenantMayNotDeclare', `is cluster-scoped; ${id} may only declare namespaced objects`,
        'ask the platform team to declare it (tenant namespaces come from the Tenant declaration)'));
      continue;
    }
    const ns = obj.metadata.namespace ?? '';
    if (!tenant.namespaces.includes(ns)) {
      out.push(problem(obj, 'metadata.namespace', 'OutsideTenantNamespaces', `"${ns}" is outside ${id} (namespaces: ${tenant.namespaces.join(', ')})`,
        `move it into one of the tenant's namespaces or into a chart of the tenant that owns "${ns}"`));
      continue;
    }
    if (kind === 'ListenerSet') {
      ((obj.spec?.listeners ?? []) as Listener[]).forEach((l, i) => {
        if (l.hostname !== undefined ? !tenantOwnsHostname(tenant, l.hostname) : l.protocol !== 'TCP' && l.protocol !== 'UDP') {
          out.push(problem(obj, `spec.listeners[${i}].hostname`, 'HostnameNotOwned',
            `"${l.hostname ?? '*'}" is not owned by ${id} (owns: ${tenant.hostnames.join(', ') || 'none'})`,
            'use a hostname the tenant owns or ask the platform team to add it to the tenant'));
        }
      });
    }
    if (ROUTE_KINDS.has(kind)) out.push(...routeProblems(obj, tenant, snapshot, objects));
  }
  return out;
}

function routeProblems(obj: KubeObject<any>, tenant: TenantRules, snapshot: Snapshot, objects: readonly TenantObject[]): Problem[] {
  const out: Problem[] = [];
  const id = `tenant "${tenant.name}"`;
  const owns = `(owns: ${tenant.hostnames.join(', ') || 'none'})`;
  const ns = obj.metadata.namespace ?? '';
  const hostnames: string[] = obj.spec?.hostnames ?? [];
  hostnames.forEach((h, i) => {
    if (!tenantOwnsHostname(tenant, h)) {
      out.push(problem(obj, `spec.hostnames[${i}]`, 'HostnameNotOwned', `"${h}" is not owned by ${id} ${owns}`,
        'use a hostname the tenant owns or ask the platform team to add it to the tenant'));
    }
  });
  const allowed = new Set(tenant.listeners.map((l) => listenerKey(l.kind, l.namespace, l.name, l.sectionName)));
  // The tenant's own ListenerSets (if allowed) are its listeners too.
  for (const o of objects) {
    if (o.tenant?.name === tenant.name && o.obj.kind === 'ListenerSet') {
      for (const l of (o.obj.spec?.listeners ?? []) as Listener[]) allowed.add(listenerKey('ListenerSet', o.obj.metadata.namespace, o.obj.metadata.name, l.name));
    }
  }
  const usable = tenant.listeners.map((l) => `${l.name}/${l.sectionName}`).join(', ') || 'none';
  ((obj.spec?.parentRefs ?? []) as ParentReference[]).forEach((p, i) => {
    const field = `spec.parentRefs[${i}]`;
    const candidates = listenersOf(snapshot, p, ns);
    // Without sectionName/port a route attaches to every listener that admits it.
    const attached = p.sectionName === undefined && p.port === undefined ? candidates.filter((l) => admits(snapshot, l, obj.kind, ns)) : candidates;
    for (const l of attached) {
      if (!allowed.has(listenerKey(l.parentKind, l.namespace, l.parentName, l.listener.name))) {
        out.push(problem(obj, field, 'ListenerNotAllowed', `attaches to ${describe(l)}, which ${id} may not use (may use: ${usable})`,
          p.sectionName === undefined ? 'set sectionName to a listener the tenant may use' : 'attach to a listener the tenant may use or ask the platform team to add this one to the tenant'));
        continue;
      }
      if (hostnames.length === 0 && HOSTNAME_KINDS.has(obj.kind)) {
        const lh = l.listener.hostname ?? '*';
        if (!tenantOwnsHostname(tenant, lh)) {
          out.push(problem(obj, 'spec.hostnames', 'HostnameNotOwned',
            `is empty, so the route takes every hostname of ${describe(l)} ("${lh}"), which is not owned by ${id} ${owns}`,
            'set spec.hostnames to hostnames the tenant owns'));
        }
      }
    }
  });
  return out;
}

interface Grantable { group: string; kind: string; namespace: string; name: string }

/** Cross-namespace references (backends, mirrors, auth services, certificates) need a ReferenceGrant. */
export function referenceGrantProblems(objects: readonly TenantObject[], snapshot: Snapshot): Problem[] {
  const out: Problem[] = [];
  const granted = (from: KubeObject, to: Grantable) => snapshot.referenceGrants.some((g) =>
    g.metadata.namespace === to.namespace &&
    (g.spec?.from ?? []).some((f) => f.group === refOf(from).group && f.kind === from.kind && f.namespace === from.metadata.namespace) &&
    (g.spec?.to ?? []).some((t) => (t.group === 'core' ? '' : t.group ?? '') === to.group && t.kind === to.kind && (!t.name || t.name === to.name)));
  const check = (o: KubeObject, ref: any, field: string, defaultKind: string) => {
    if (!ref || typeof ref.name !== 'string' || !ref.namespace || ref.namespace === o.metadata.namespace) return;
    const to: Grantable = { group: ref.group === 'core' ? '' : ref.group ?? '', kind: ref.kind ?? defaultKind, namespace: ref.namespace, name: ref.name };
    if (granted(o, to)) return;
    out.push(problem(o, field, 'RefNotPermitted',
      `refers to ${to.kind} ${to.namespace}/${to.name} in another namespace, but no ReferenceGrant in namespace "${to.namespace}" allows ${o.kind}s from "${o.metadata.namespace}"`,
      `add ReferenceGrant.allow(scope, id, { from: <this ${o.kind}>, to: <the ${to.kind}> }) or move the ${to.kind} into namespace "${o.metadata.namespace}"`));
  };
  const filters = (o: KubeObject, list: any[] | undefined, base: string) => (list ?? []).forEach((f, i) => {
    check(o, f?.requestMirror?.backendRef, `${base}[${i}].requestMirror.backendRef`, 'Service');
    check(o, f?.externalAuth?.backendRef, `${base}[${i}].externalAuth.backendRef`, 'Service');
  });
  for (const { obj } of objects) {
    if (ROUTE_KINDS.has(obj.kind)) {
      ((obj.spec?.rules ?? []) as any[]).forEach((r, ri) => {
        filters(obj, r.filters, `spec.rules[${ri}].filters`);
        ((r.backendRefs ?? []) as any[]).forEach((b, bi) => {
          check(obj, b, `spec.rules[${ri}].backendRefs[${bi}]`, 'Service');
          filters(obj, b.filters, `spec.rules[${ri}].backendRefs[${bi}].filters`);
        });
      });
    } else if (obj.kind === 'Gateway' || obj.kind === 'ListenerSet') {
      ((obj.spec?.listeners ?? []) as Listener[]).forEach((l, li) => (l.tls?.certificateRefs ?? []).forEach((c, ci) =>
        check(obj, c, `spec.listeners[${li}].tls.certificateRefs[${ci}]`, 'Secret')));
    }
  }
  return out;
}
