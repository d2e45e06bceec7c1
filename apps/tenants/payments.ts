// Tenant "payments": a gRPC ledger API on the shared wildcard listener, and a customer portal on
// its own domain (pay.example.net) through a ListenerSet carrying the team's own certificate.
import { App } from 'cdk8s';
import {
  BackendRef, CertificateRef, GatewayListener, GrpcMethodMatch, GrpcRoute, HttpRoute, IGateway, ListenerProtocol, ListenerSet, Tenant,
  TenantChart,
} from '../../constructs/index.ts';
import { service } from './service.ts';

export interface PaymentsProps {
  tenant: Tenant;
  gateway: IGateway;
  https: GatewayListener;
}

export function buildPayments(app: App, props: PaymentsProps): TenantChart {
  const chart = new TenantChart(app, 'tenant-payments', { tenant: props.tenant });

  // Only the Ledger service is public; other gRPC services of the same server stay internal.
  const ledger = service(chart, 'ledger', 50051, 'grpc');
  new GrpcRoute(chart, 'ledger', {
    metadata: { name: 'ledger' },
    parentRefs: [props.https],
    hostnames: ['grpc.payments.example.com'],
    rules: [{ name: 'ledger', matches: [{ method: GrpcMethodMatch.exact('payments.v1.Ledger') }], backendRefs: [BackendRef.fromService(ledger)] }],
  });

  const listenerSet = new ListenerSet(chart, 'portal-listeners', { metadata: { name: 'portal' }, gateway: props.gateway });
  const portalHttps = listenerSet.addListener({
    name: 'portal-https', port: 443, protocol: ListenerProtocol.HTTPS, hostname: 'pay.example.net',
    // The team's own certificate, in its own namespace (issued outside git: assumed to exist).
    tls: { certificateRefs: [CertificateRef.fromName('pay-example-net-tls')] },
  });
  const portal = service(chart, 'portal');
  new HttpRoute(chart, 'portal', {
    metadata: { name: 'portal' },
    parentRefs: [portalHttps],
    hostnames: ['pay.example.net'],
    rules: [{ name: 'portal', backendRefs: [BackendRef.fromService(portal)] }],
  });
  return chart;
}
