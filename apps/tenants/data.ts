// Tenant "data": stateful services reached below HTTP. Redis over plain TCP on its own port, and
// Postgres over TLS the gateway passes through untouched (the database holds the certificate).
import { App } from 'cdk8s';
import { BackendRef, GatewayListener, TcpRoute, Tenant, TenantChart, TlsRoute } from '../../constructs/index.ts';
import { service } from './service.ts';

export interface DataProps {
  tenant: Tenant;
  redis: GatewayListener;
  tlsPassthrough: GatewayListener;
}

export function buildData(app: App, props: DataProps): TenantChart {
  const chart = new TenantChart(app, 'tenant-data', { tenant: props.tenant });
  const redis = service(chart, 'redis', 6379, 'redis');
  new TcpRoute(chart, 'redis', {
    metadata: { name: 'redis' },
    parentRefs: [props.redis],
    rules: [{ name: 'redis', backendRefs: [BackendRef.fromService(redis)] }],
  });
  const db = service(chart, 'db', 5432, 'postgres');
  new TlsRoute(chart, 'db', {
    metadata: { name: 'db' },
    parentRefs: [props.tlsPassthrough],
    hostnames: ['db.data.example.com'],
    rules: [{ name: 'db', backendRefs: [BackendRef.fromService(db)] }],
  });
  return chart;
}
