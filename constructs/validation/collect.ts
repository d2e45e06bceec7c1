// Gathers what the App would synthesize, plus stand-ins for what it only refers to, and keeps
// for each object the construct that declared it, so a problem can name its construct path.
import { ApiObject, App } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { GatewayClass, KubeObject } from '../../gateway/model/index.ts';
import { snapshotKeyOf } from '../../gateway/model/index.ts';
import { GATEWAY_GROUP } from '../base.ts';
import { ImportedGateway } from '../gateway.ts';
import { TenantChart } from '../tenancy/tenant-chart.ts';
import { Tenant } from '../tenancy/tenant.ts';

/** One synthesized object and where it came from. */
export interface CollectedObject {
  /** The rendered manifest (ApiObject.toJson()). */
  readonly obj: KubeObject<any>;
  /** The L2 that declared it (or the ApiObject itself when it has no L2). */
  readonly owner: IConstruct;
  /** The tenant owning the object's chart, if it is in a TenantChart. */
  readonly tenant?: Tenant;
}

export interface Collected {
  /** Everything the app synthesizes, in construct order. */
  readonly objects: CollectedObject[];
  /** Objects the app refers to but another repo owns (imported Gateways, their classes). */
  readonly standIns: KubeObject<any>[];
}

/** "group|kind|namespace|name": the key problems' refs are matched on. */
export function refKey(ref: { group?: string; kind: string; namespace?: string; name: string }): string {
  return `${ref.group ?? ''}|${ref.kind}|${ref.namespace ?? ''}|${ref.name}`;
}

export function objectRefKey(o: KubeObject): string {
  const av = o.apiVersion ?? '';
  return refKey({ group: av.includes('/') ? av.split('/')[0] : '', kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });
}

// fromObjects() puts namespaced objects without a namespace into "default"; doing the same here
// keeps the refs of problems (which come from the snapshot) matching their owners.
function withDefaultNamespace(o: KubeObject<any>): KubeObject<any> {
  const key = snapshotKeyOf(o);
  if (!key || key === 'gatewayClasses' || key === 'namespaces' || o.metadata?.namespace) return o;
  return { ...o, metadata: { ...o.metadata, namespace: 'default' } };
}

/** Walks the app in construct order (stable) and renders every ApiObject. */
export function collect(app: App, standInController: string): Collected {
  const objects: CollectedObject[] = [];
  const imported: ImportedGateway[] = [];
  const importedTenants: Tenant[] = [];
  for (const c of app.node.findAll()) {
    if (c instanceof ImportedGateway) imported.push(c);
    if (c instanceof Tenant && c.imported) importedTenants.push(c);
    if (!(c instanceof ApiObject)) continue;
    const owner = c.node.id === 'Resource' && c.node.scope ? c.node.scope : c;
    objects.push({ obj: withDefaultNamespace(c.toJson()), owner, tenant: TenantChart.tenantOf(c) });
  }
  const have = new Set(objects.map((o) => objectRefKey(o.obj)));
  const standIns: KubeObject<any>[] = [];
  const add = (o: KubeObject<any>) => {
    const k = objectRefKey(o);
    if (!have.has(k)) { have.add(k); standIns.push(o); }
  };
  const className = 'portico-imported';
  for (const g of imported) add(g._standIn(className));
  // The platform repo synthesizes these Namespaces; their labels decide Selector allowedRoutes.
  for (const t of importedTenants) for (const ns of t._namespaceManifests()) add(ns);
  // Gateways whose class is not in the app (GatewayClass.fromGatewayClassName) get a class of
  // the validating controller, so their listeners and routes are still judged.
  for (const o of [...objects.map((x) => x.obj), ...standIns]) {
    if (o.kind !== 'Gateway' || !String(o.apiVersion).startsWith(`${GATEWAY_GROUP}/`)) continue;
    const name = o.spec?.gatewayClassName;
    if (typeof name !== 'string') continue;
    const gc: GatewayClass = { apiVersion: `${GATEWAY_GROUP}/v1`, kind: 'GatewayClass', metadata: { name }, spec: { controllerName: standInController } };
    add(gc);
  }
  return { objects, standIns };
}
