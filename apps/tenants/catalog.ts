// Tenant "catalog": runs the product search other teams route to. It exposes no hostnames of its
// own; the ReferenceGrant is its explicit consent to the shop's HTTPRoutes using the Service.
import { App } from 'cdk8s';
import { ReferenceGrant, Tenant, TenantChart } from '../../constructs/index.ts';
import { service } from './service.ts';

export function buildCatalog(app: App, props: { tenant: Tenant }): TenantChart {
  const chart = new TenantChart(app, 'tenant-catalog', { tenant: props.tenant });
  const search = service(chart, 'search');
  ReferenceGrant.allow(chart, 'shop-routes-to-search', {
    metadata: { name: 'shop-routes-to-search' },
    from: { kind: 'HTTPRoute', namespace: 'shop' },
    to: search,
  });
  return chart;
}
