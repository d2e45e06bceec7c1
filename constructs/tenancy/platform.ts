// The platform team's chart: it holds the GatewayClass/Gateways and declares the tenants, and
// it turns on the App-level validation so every synth checks routes against the tenancy rules.
import { ApiObject, App, Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { TENANT_SET_API_VERSION, TENANT_SET_KIND, type TenantSetDocument } from '../../gateway/validate/index.ts';
import { attachValidation, ValidationOptions } from '../validation/validate-app.ts';
import { Tenant, TenantProps } from './tenant.ts';

export interface PlatformProps extends ChartProps {
  /**
   * Options for the synth-time validation this chart attaches to the App.
   *
   * @default - Portico's controller name; warnings printed to stderr
   */
  readonly validation?: ValidationOptions;
}

/** The platform chart. Declare Gateways in it and tenants with addTenant(). */
export class Platform extends Chart {
  private readonly _tenants: Tenant[] = [];

  public constructor(scope: Construct, id: string, props: PlatformProps = {}) {
    super(scope, id, props);
    attachValidation(App.of(this), props.validation);
  }

  /** Declares a tenant (and its Namespaces) in this chart and returns it. */
  public addTenant(id: string, props: TenantProps): Tenant {
    const clash = this._tenants.find((t) => t.tenantName === props.name || t.namespaces.some((n) => props.namespaces.includes(n)));
    if (clash) {
      throw new Error(`tenant "${props.name}" overlaps tenant "${clash.tenantName}" (same name or a shared namespace); give each tenant its own namespaces`);
    }
    const tenant = new Tenant(this, id, props);
    this._tenants.push(tenant);
    return tenant;
  }

  public get tenants(): Tenant[] {
    return [...this._tenants];
  }

  /**
   * The tenants file for app repos: the tenants and the listeners' parents as synthesized here.
   * App repos fetch or vendor it and run `portico validate --tenants FILE`, so their plain
   * manifests are judged by the same tenancy rules as this synth. Write it next to dist/, not
   * in it: it is not a Kubernetes object.
   */
  public tenantSet(): TenantSetDocument {
    const parents = this.node.findAll()
      .filter((c): c is ApiObject => c instanceof ApiObject && ['GatewayClass', 'Gateway', 'ListenerSet'].includes(c.kind))
      .map((o) => o.toJson());
    return {
      apiVersion: TENANT_SET_API_VERSION,
      kind: TENANT_SET_KIND,
      metadata: { name: this.node.id },
      spec: { tenants: this._tenants.map((t) => ({ ...t.toModel(), namespaceLabels: t._namespaceLabels() })), parents },
    };
  }
}
