// A chart owned by one tenant: its objects default to the tenant's first namespace and are
// checked against the tenant's ownership rules at synth (the chart attaches the validation).
import { App, Chart, ChartProps } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { markTenantScope, tenantScopeOf } from '../validation/tenant-source.ts';
import { attachValidation, ValidationOptions } from '../validation/validate-app.ts';
import { Tenant } from './tenant.ts';

export interface TenantChartProps extends ChartProps {
  /** The tenant that owns every object in this chart. */
  readonly tenant: Tenant;
  /**
   * Options for the synth-time validation this chart attaches to the App (first attach wins).
   *
   * @default - Portico's controller name; warnings printed to stderr
   */
  readonly validation?: ValidationOptions;
}

/** A cdk8s Chart whose objects belong to `tenant`. */
export class TenantChart extends Chart {
  /** The tenant owning `c`, if it lies in a TenantChart. */
  public static tenantOf(c: IConstruct): Tenant | undefined {
    const t = tenantScopeOf(c);
    return t instanceof Tenant ? t : undefined;
  }

  public readonly tenant: Tenant;

  public constructor(scope: Construct, id: string, props: TenantChartProps) {
    super(scope, id, { ...props, namespace: props.namespace ?? props.tenant.namespaces[0] });
    this.tenant = props.tenant;
    markTenantScope(this, props.tenant);
    // A tenant repo may have no Platform chart; its charts still get the ownership checks.
    attachValidation(App.of(this), props.validation);
  }
}
