// What the App-level validation needs to know about tenants, declared here so that validation
// does not import the tenancy constructs (they import validation, to attach it): a tenant
// declaration renders itself to the plain TenantModel the offline tenancy rules read, and a
// chart owned by a tenant names it. The tenancy constructs implement both.
import type { IConstruct } from 'constructs';
import type { Namespace } from '../../gateway/model/index.ts';
import type { TenantModel } from '../../gateway/validate/index.ts';

const DECLARES_TENANT = Symbol.for('portico.tenant-declaration');
const OWNED_BY = Symbol.for('portico.owned-by-tenant');

export interface TenantDeclaration extends IConstruct {
  /** The tenant as plain data. */
  toModel(): TenantModel;
  /** True when another repo declares the tenant (its Namespaces are not synthesized here). */
  readonly imported: boolean;
  /** @internal The tenant's Namespaces as the platform synthesizes them. */
  _namespaceManifests(): Namespace[];
}

/** Registers `c` as a tenant declaration the validation will find. */
export function markTenantDeclaration(c: TenantDeclaration): void {
  Object.defineProperty(c, DECLARES_TENANT, { value: true });
}

export function isTenantDeclaration(c: IConstruct): c is TenantDeclaration {
  return (c as any)[DECLARES_TENANT] === true;
}

/** Registers `scope` (a chart) as owned by `tenant`: every object below it is the tenant's. */
export function markTenantScope(scope: IConstruct, tenant: TenantDeclaration): void {
  Object.defineProperty(scope, OWNED_BY, { value: tenant });
}

/** The tenant owning `c`, if it lies in a tenant's chart. */
export function tenantScopeOf(c: IConstruct): TenantDeclaration | undefined {
  for (let s: IConstruct | undefined = c; s; s = s.node.scope) {
    const t = (s as any)[OWNED_BY] as TenantDeclaration | undefined;
    if (t) return t;
  }
  return undefined;
}
