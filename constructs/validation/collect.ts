// Gathers what the App would synthesize, plus stand-ins for what it only refers to, and keeps
// for each object the construct that declared it, so a problem can name its construct path.
import { ApiObject, App } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { GatewayClass, KubeObject } from '../../gateway/model/index.ts';
import type { TenantModel } from '../../gateway/validate/index.ts';
import { judgedAs } from '../../gateway/validate/index.ts';
import { GATEWAY_GROUP } from '../base.ts';
import { ImportedGateway } from '../gateway.ts';
import { isTenantDeclaration, tenantScopeOf } from './tenant-source.ts';

/** One synthesized object and where it came from. */
export interface CollectedObject {
  /** The rendered manifest (ApiObject.toJson()), namespaced as the validation judges it. */
  readonly obj: KubeObject<any>;
  /** The L2 that declared it (or the ApiObject itself when it has no L2). */
  readonly owner: IConstruct;
  /** The name of the tenant owning the object's chart, if it is in a tenant's chart. */
  readonly tenant?: string;
}

export interface Collected {
  /** Everything the app synthesizes, in construct order. */
  readonly objects: CollectedObject[];
  /** Objects the app refers to but another repo owns (imported Gateways, their classes). */
  readonly standIns: KubeObject<any>[];
  /** Every tenant the app declares or imports, as plain data. */
  readonly tenants: TenantModel[];
}

/** "group|kind|namespace|name": the key problems' refs are matched on. */
export function refKey(ref: { group?: string; kind: string; namespace?: string; name: string }): string {
  return `${ref.group ?? ''}|${ref.kind}|${ref.namespace ?? ''}|${ref.name}`;
}

export function objectRefKey(o: KubeObject): string {
  const av = o.apiVersion ?? '';
  return refKey({ group: av.includes('/') ? av.split('/')[0] : '', kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });
}

/** Walks the app in construct order (stable) and renders every ApiObject. */
export function collect(app: App, standInController: string): Collected {
  const objects: CollectedObject[] = [];
  const imported: ImportedGateway[] = [];
  const tenants = new Map<string, TenantModel>();
  const standInNamespaces: KubeObject<any>[] = [];
  for (const c of app.node.findAll()) {
    if (c instanceof ImportedGateway) imported.push(c);
    if (isTenantDeclaration(c)) {
      tenants.set(c.toModel().name, c.toModel());
      // The platform repo synthesizes these Namespaces; their labels decide Selector allowedRoutes.
      if (c.imported) standInNamespaces.push(...c._namespaceManifests());
    }
    if (!(c instanceof ApiObject)) continue;
    const owner = c.node.id === 'Resource' && c.node.scope ? c.node.scope : c;
    objects.push({ obj: judgedAs(c.toJson()), owner, tenant: tenantScopeOf(c)?.toModel().name });
  }
  const have = new Set(objects.map((o) => objectRefKey(o.obj)));
  const standIns: KubeObject<any>[] = [];
  const add = (o: KubeObject<any>) => {
    const k = objectRefKey(o);
    if (!have.has(k)) { have.add(k); standIns.push(o); }
  };
  const className = 'portico-imported';
  for (const g of imported) add(g._standIn(className));
  for (const ns of standInNamespaces) add(ns);
  // Gateways whose class is not in the app (GatewayClass.fromGatewayClassName) get a class of
  // the validating controller, so their listeners and routes are still judged.
  for (const o of [...objects.map((x) => x.obj), ...standIns]) {
    if (o.kind !== 'Gateway' || !String(o.apiVersion).startsWith(`${GATEWAY_GROUP}/`)) continue;
    const name = o.spec?.gatewayClassName;
    if (typeof name !== 'string') continue;
    const gc: GatewayClass = { apiVersion: `${GATEWAY_GROUP}/v1`, kind: 'GatewayClass', metadata: { name }, spec: { controllerName: standInController } };
    add(gc);
  }
  return { objects, standIns, tenants: [...tenants.values()] };
}
