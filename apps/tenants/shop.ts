// Tenant "shop": the web shop's routes on the shared public Gateway, one concern per route.
import { App, Duration } from 'cdk8s';
import {
  BackendRef, GatewayListener, HeaderMatch, HttpFilter, HttpMethod, HttpRoute, PathMatch, PathModifier, SessionPersistence, Tenant,
  PolicyTarget, SecurityPolicy, TenantChart, TrafficPolicy,
} from '../../constructs/index.ts';
import { service } from './service.ts';

/** Who may reach the shop's back office (admin.shop.example.com): the office network; locally, this machine. */
export const ADMIN_ALLOWED_CIDR = '127.0.0.1/32';

export interface ShopProps {
  tenant: Tenant;
  http: GatewayListener;
  https: GatewayListener;
}

export function buildShop(app: App, props: ShopProps): TenantChart {
  const chart = new TenantChart(app, 'tenant-shop', { tenant: props.tenant });
  const { http, https } = props;

  // Plain HTTP only redirects: every shop hostname is served over HTTPS.
  const redirect = new HttpRoute(chart, 'https-redirect', {
    metadata: { name: 'https-redirect' },
    parentRefs: [http],
    hostnames: ['*.shop.example.com'],
    rules: [{ name: 'to-https', filters: [HttpFilter.requestRedirect({ scheme: 'https', statusCode: 301 })] }],
  });

  // Header canary: testers send x-canary: true to reach v2; a slow page fails fast instead of piling up.
  const storefrontV1 = service(chart, 'storefront-v1');
  const storefrontV2 = service(chart, 'storefront-v2');
  const storefront = new HttpRoute(chart, 'storefront', {
    metadata: { name: 'storefront' },
    parentRefs: [https],
    hostnames: ['www.shop.example.com'],
    rules: [
      {
        name: 'canary',
        matches: [{ path: PathMatch.prefix('/'), headers: [HeaderMatch.exact('x-canary', 'true')] }],
        backendRefs: [BackendRef.fromService(storefrontV2)],
        requestTimeout: Duration.millis(300),
      },
      { name: 'stable', backendRefs: [BackendRef.fromService(storefrontV1)], requestTimeout: Duration.millis(300) },
    ],
  });

  // Public API: clients call /api/v1/..., the service itself serves /v1/...; browsers on the shop call it cross-origin.
  const api = service(chart, 'api');
  const apiRoute = new HttpRoute(chart, 'api', {
    metadata: { name: 'api' },
    parentRefs: [https],
    hostnames: ['api.shop.example.com'],
    rules: [{
      name: 'v1',
      matches: [{ path: PathMatch.prefix('/api/v1') }],
      filters: [
        HttpFilter.urlRewrite({ path: PathModifier.replacePrefixMatch('/v1') }),
        HttpFilter.cors({
          allowOrigins: ['https://www.shop.example.com'],
          allowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
          allowHeaders: ['authorization', 'content-type'],
          allowCredentials: true,
          maxAge: Duration.hours(1),
        }),
        HttpFilter.responseHeaderModifier({ set: { 'cache-control': 'no-store' }, remove: ['server', 'x-powered-by'] }),
      ],
      backendRefs: [BackendRef.fromService(api)],
    }],
  });

  // Recommendations v2 gets 10% of traffic while its metrics are watched.
  const recsV1 = service(chart, 'recommendations-v1');
  const recsV2 = service(chart, 'recommendations-v2');
  const recommendations = new HttpRoute(chart, 'recommendations', {
    metadata: { name: 'recommendations' },
    parentRefs: [https],
    hostnames: ['api.shop.example.com'],
    rules: [{
      name: 'split',
      matches: [{ path: PathMatch.prefix('/recommendations') }],
      backendRefs: [BackendRef.fromService(recsV1, { weight: 90 }), BackendRef.fromService(recsV2, { weight: 10 })],
    }],
  });

  // Inventory reads are idempotent, so transient upstream failures are retried with a short backoff.
  const inventory = service(chart, 'inventory');
  const inventoryRoute = new HttpRoute(chart, 'inventory', {
    metadata: { name: 'inventory' },
    parentRefs: [https],
    hostnames: ['api.shop.example.com'],
    rules: [{
      name: 'reads',
      matches: [{ path: PathMatch.prefix('/inventory'), method: HttpMethod.GET }],
      backendRefs: [BackendRef.fromService(inventory)],
      retry: { codes: [500, 502, 503, 504], attempts: 3, backoff: Duration.millis(100) },
    }],
  });

  // Search is run by the catalog team in their namespace (they grant it); a shadow build sees a copy of the traffic.
  const searchShadow = service(chart, 'search-shadow');
  new HttpRoute(chart, 'search', {
    metadata: { name: 'search' },
    parentRefs: [https],
    hostnames: ['api.shop.example.com'],
    rules: [{
      name: 'search',
      matches: [{ path: PathMatch.prefix('/search') }],
      filters: [HttpFilter.requestMirror(BackendRef.fromService(searchShadow), { percent: 25 })],
      backendRefs: [BackendRef.fromName('search', { namespace: 'catalog', port: 8080 })],
    }],
  });

  // Checkout: every request is authorized by the auth service first; a cart sticks to one pod.
  const checkout = service(chart, 'checkout');
  const auth = service(chart, 'auth', 9000);
  new HttpRoute(chart, 'checkout', {
    metadata: { name: 'checkout' },
    parentRefs: [https],
    hostnames: ['checkout.shop.example.com'],
    rules: [{
      name: 'checkout',
      filters: [HttpFilter.externalAuthHttp(BackendRef.fromService(auth), {
        path: '/verify', allowedHeaders: ['authorization', 'cookie'], allowedResponseHeaders: ['x-user-id'],
      })],
      backendRefs: [BackendRef.fromService(checkout)],
      sessionPersistence: SessionPersistence.cookie({ sessionName: 'checkout-session', lifetimeType: 'Permanent', absoluteTimeout: Duration.hours(2) }),
    }],
  });

  // Product images are uploaded with a POST of at most 1 MiB: a bigger body is answered 413 as soon
  // as it goes over, without the gateway reading (or the service receiving) the rest.
  const media = service(chart, 'media');
  const uploads = new HttpRoute(chart, 'uploads', {
    metadata: { name: 'uploads' },
    parentRefs: [https],
    hostnames: ['api.shop.example.com'],
    rules: [{ name: 'upload', matches: [{ path: PathMatch.prefix('/uploads'), method: HttpMethod.POST }], backendRefs: [BackendRef.fromService(media)] }],
  });
  new TrafficPolicy(chart, 'upload-size', {
    metadata: { name: 'upload-size' },
    targets: [PolicyTarget.rule(uploads, 'upload')],
    requestBody: { maxSize: '1Mi' },
  });

  // One budget for the whole shop API, shared by every gateway replica through Redis: 60 requests
  // a minute per client address across these routes (a counter per policy, so the routes share it).
  // Without Redis the limit fails open: the shop stays up, unmetered.
  new TrafficPolicy(chart, 'api-rate-limit', {
    metadata: { name: 'api-rate-limit' },
    targets: [apiRoute, recommendations, inventoryRoute, uploads].map((r) => PolicyTarget.of(r)),
    rateLimit: {
      global: { rules: [{ limit: { requests: 60, unit: 'Minute' }, selectors: [{ type: 'ClientIP' }] }], failOpen: true },
    },
  });

  // The platform requires a JWT on every route (apps/platform/security.ts); the storefront and the
  // HTTP-to-HTTPS redirect are for anonymous browsers, so the shop turns that off on them.
  new SecurityPolicy(chart, 'public-pages', {
    metadata: { name: 'public-pages' },
    targets: [PolicyTarget.of(storefront), PolicyTarget.of(redirect)],
    disable: ['jwt'],
  });

  // The back office: a JWT (inherited) and, on top, only the office network (here: this machine).
  const backOffice = service(chart, 'back-office');
  const admin = new HttpRoute(chart, 'admin', {
    metadata: { name: 'admin' },
    parentRefs: [https],
    hostnames: ['admin.shop.example.com'],
    rules: [{ name: 'back-office', backendRefs: [BackendRef.fromService(backOffice)] }],
  });
  new SecurityPolicy(chart, 'admin-ip-allow-list', {
    metadata: { name: 'admin-ip-allow-list' },
    targets: [PolicyTarget.of(admin)],
    authorization: { defaultAction: 'Deny', rules: [{ name: 'office', action: 'Allow', principal: { clientCIDRs: [ADMIN_ALLOWED_CIDR] } }] },
  });

  return chart;
}
