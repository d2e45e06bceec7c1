// The platform team's chart: the GatewayClass, the public Gateway every tenant shares, and the
// tenant declarations (their Namespaces carry the label the listeners' allowedRoutes select).
import { App } from 'cdk8s';
import {
  CertificateRef, FromNamespaces, Gateway, GatewayApiChannel, GatewayClass, GatewayListener, GatewayRuntime, ListenerProtocol,
  Platform, RouteNamespaces, RuntimeImage, Tenant, TENANT_LABEL, TlsMode,
} from '../../constructs/index.ts';
import { addSecurityBaseline } from './security.ts';

export const PLATFORM_NAMESPACE = 'portico-system';

export interface PlatformStack {
  platform: Platform;
  runtime: GatewayRuntime;
  gateway: Gateway;
  listeners: { http: GatewayListener; https: GatewayListener; tlsPassthrough: GatewayListener; redis: GatewayListener };
  tenants: { shop: Tenant; payments: Tenant; data: Tenant; catalog: Tenant };
}

/** Routes from any tenant namespace (never from unlabelled ones such as default or kube-system). */
const ANY_TENANT: RouteNamespaces = {
  from: FromNamespaces.SELECTOR,
  selector: { matchExpressions: [{ key: TENANT_LABEL, operator: 'Exists' }] },
};

/** Routes from one tenant only; the same selector Tenant.routeNamespaces() returns, needed before the tenant exists. */
function onlyTenant(name: string): RouteNamespaces {
  return { from: FromNamespaces.SELECTOR, selector: { matchLabels: { [TENANT_LABEL]: name } } };
}

/** `printWarnings: false` keeps tests quiet about the Secrets assumed to exist in the cluster. */
export function buildPlatform(app: App, options: { printWarnings?: boolean } = {}): PlatformStack {
  const platform = new Platform(app, 'platform', { namespace: PLATFORM_NAMESPACE, validation: { printWarnings: options.printWarnings ?? true } });
  const gatewayClass = new GatewayClass(platform, 'class', { metadata: { name: 'portico' } });
  const gateway = new Gateway(platform, 'public', {
    metadata: { name: 'public' },
    gatewayClass,
    // Only the payments team brings its own listeners (its own domain and certificate).
    allowedListeners: { namespaces: onlyTenant('payments') },
  });

  const http = gateway.addListener({ name: 'http', port: 80, protocol: ListenerProtocol.HTTP, allowedRoutes: { namespaces: ANY_TENANT } });
  const https = gateway.addListener({
    name: 'https', port: 443, protocol: ListenerProtocol.HTTPS, hostname: '*.example.com',
    // Issued outside git (e.g. a cert-manager Certificate with dnsNames *.shop.example.com, *.payments.example.com:
    // a TLS wildcard covers one label only). Synth warns that it is assumed to exist.
    tls: { certificateRefs: [CertificateRef.fromName('wildcard-example-com-tls')] },
    allowedRoutes: { namespaces: ANY_TENANT },
  });
  // Its own port: databases speak TLS end to end, so the gateway must not terminate on :443.
  const tlsPassthrough = gateway.addListener({
    name: 'tls-passthrough', port: 8443, protocol: ListenerProtocol.TLS, hostname: '*.data.example.com',
    tls: { mode: TlsMode.PASSTHROUGH }, allowedRoutes: { namespaces: onlyTenant('data') },
  });
  const redis = gateway.addListener({ name: 'redis', port: 6379, protocol: ListenerProtocol.TCP, allowedRoutes: { namespaces: onlyTenant('data') } });

  const shop = platform.addTenant('shop', {
    name: 'shop', namespaces: ['shop'], hostnames: ['*.shop.example.com'], listeners: [http, https],
  });
  const payments = platform.addTenant('payments', {
    name: 'payments', namespaces: ['payments'], hostnames: ['*.payments.example.com', 'pay.example.net'], listeners: [https],
    allowListenerSets: true,
  });
  const data = platform.addTenant('data', {
    name: 'data', namespaces: ['data'], hostnames: ['*.data.example.com'], listeners: [tlsPassthrough, redis],
  });
  // Serves other tenants' routes through ReferenceGrants only: no hostnames, no listeners.
  const catalog = platform.addTenant('catalog', { name: 'catalog', namespaces: ['catalog'] });

  // Portico itself: the CRDs (experimental channel: the shop uses sessionPersistence), RBAC, and a
  // Deployment + LoadBalancer Service for the public Gateway, whose ports follow its listeners
  // (and the payments team's ListenerSet). Argo CD's missing health checks ride along.
  const runtime = new GatewayRuntime(platform, 'runtime', {
    gatewayClass, gateways: [gateway],
    image: RuntimeImage.node('registry.example.com/portico', '0.1.0'),
    gatewayApiCrds: GatewayApiChannel.EXPERIMENTAL,
    serviceMonitor: true,
  });
  runtime.addArgoCdHealthChecks();
  addSecurityBaseline(platform, gateway);

  return { platform, runtime, gateway, listeners: { http, https, tlsPassthrough, redis }, tenants: { shop, payments, data, catalog } };
}
