// One Ingress's ingress-nginx annotations read into typed settings, with ingress-nginx's
// defaults (or the ConfigMap's) filled in. Every annotation present is looked up in the table
// (annotations.ts); what the table says is not converted, or needs a policy, gets its report line
// here, and so does any nginx.ingress.kubernetes.io/ key the table does not know.
import { annotationFamily, NGINX_PREFIX } from './annotations.ts';
import type { ControllerDefaults } from './controller-config.ts';
import type { Ingress } from './inputs.ts';
import { nsName } from './inputs.ts';
import type { PolicyKinds } from './policies.ts';
import type { Report } from './report.ts';

export interface Cors {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  maxAge: number;
}

export interface Redirect { url: string; code: number }

export interface Canary {
  weight?: number;
  weightTotal: number;
  header?: string;
  headerValue?: string;
  headerPattern?: string;
  cookie?: string;
}

export interface Settings {
  /** "namespace/name", for report lines. */
  id: string;
  canary?: Canary;
  useRegex: boolean;
  rewriteTarget?: string;
  appRoot?: string;
  redirect?: Redirect;
  sslRedirect: boolean;
  forceSslRedirect: boolean;
  fromToWww: boolean;
  serverAliases: string[];
  upstreamVhost?: string;
  xForwardedPrefix?: string;
  /** Seconds; `explicit` lists the annotations that set them (the rest are defaults). */
  timeouts: { connect: number; read: number; send: number; explicit: string[] };
  bodySize: { value: string; explicit: boolean };
  backendProtocol: 'HTTP' | 'HTTPS' | 'GRPC' | 'GRPCS';
  proxySsl: { verify: boolean; secret?: string; name?: string };
  cors?: Cors;
  affinity?: { cookieName: string; maxAgeSeconds?: number };
  sslPassthrough: boolean;
  externalAuth?: { url: string; responseHeaders: string[] };
}

const CORS_DEFAULT_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'];
const CORS_DEFAULT_HEADERS = ['DNT', 'Keep-Alive', 'User-Agent', 'X-Requested-With', 'If-Modified-Since', 'Cache-Control', 'Content-Type', 'Range', 'Authorization'];

/** Not-converted annotations whose loss changes what is enforced or served (errors); the rest are warnings. */
const LOSES_BEHAVIOUR = /snippet|modsecurity|owasp|^lua-|^auth-|^satisfy$|^limit-|^custom-http-errors$|^default-backend$/;

const list = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

export function readSettings(ing: Ingress, d: ControllerDefaults, report: Report, policies: PolicyKinds = { security: false, traffic: false }): Settings {
  const id = nsName(ing.metadata);
  const all = ing.metadata.annotations ?? {};
  const key = (n: string) => `${NGINX_PREFIX}${n}`;
  const get = (n: string): string | undefined => all[key(n)];
  const bool = (n: string, dflt: boolean): boolean => {
    const v = get(n);
    if (v === undefined) return dflt;
    if (v === 'true' || v === 'false') return v === 'true';
    report.error(id, key(n), `"${v}" is not true or false; ingress-nginx's default (${dflt}) used`);
    return dflt;
  };
  const secs = (n: string, dflt: number, explicit: string[]): number => {
    const v = get(n);
    if (v === undefined) return dflt;
    const s = Number(v);
    if (Number.isInteger(s) && s > 0) { explicit.push(key(n)); return s; }
    report.error(id, key(n), `"${v}" is not a whole number of seconds; ${dflt} s (the default) used instead`);
    return dflt;
  };

  // Report what is present but not converted, and every unknown key of ours.
  for (const [k, v] of Object.entries(all)) {
    if (!k.startsWith(NGINX_PREFIX)) continue;
    const name = k.slice(NGINX_PREFIX.length);
    const info = annotationFamily(name);
    if (info === undefined) report.error(id, k, 'not converted: Portico does not know this annotation; check what it does and convert it by hand');
    else if (info.outcome === 'not-converted') report.add(LOSES_BEHAVIOUR.test(name) ? 'error' : 'warning', id, k, `not converted: ${info.becomes}`);
    else if (name === 'proxy-body-size' && v.trim() === '0') report.info(id, k, 'no body limit, as Portico by default');
    else if (info.policy !== undefined && info.outcome !== 'needs-policy' && (info.policy === 'SecurityPolicy' ? policies.security : policies.traffic)) continue; // policies.ts converts and reports
    else if (info.policy !== undefined) report.error(id, k, `not converted: needs a ${info.policy} (${info.becomes}), which Portico does not have yet: "${v}" is not enforced`);
  }

  const s: Settings = {
    id,
    useRegex: bool('use-regex', false),
    sslRedirect: bool('ssl-redirect', d.sslRedirect),
    forceSslRedirect: bool('force-ssl-redirect', d.forceSslRedirect),
    fromToWww: bool('from-to-www-redirect', false),
    serverAliases: list(get('server-alias')),
    timeouts: { connect: 0, read: 0, send: 0, explicit: [] },
    bodySize: { value: get('proxy-body-size') ?? d.proxyBodySize, explicit: get('proxy-body-size') !== undefined },
    backendProtocol: 'HTTP',
    proxySsl: { verify: get('proxy-ssl-verify') === 'on', secret: get('proxy-ssl-secret'), name: get('proxy-ssl-name') },
    sslPassthrough: bool('ssl-passthrough', false),
  };
  s.timeouts.connect = secs('proxy-connect-timeout', d.proxyConnectTimeout, s.timeouts.explicit);
  s.timeouts.read = secs('proxy-read-timeout', d.proxyReadTimeout, s.timeouts.explicit);
  s.timeouts.send = secs('proxy-send-timeout', d.proxySendTimeout, s.timeouts.explicit);

  if (bool('canary', false)) {
    const w = get('canary-weight');
    const total = Number(get('canary-weight-total') ?? 100);
    s.canary = {
      weightTotal: Number.isInteger(total) && total > 0 ? total : 100,
      weight: w === undefined ? undefined : Number(w),
      header: get('canary-by-header'), headerValue: get('canary-by-header-value'), headerPattern: get('canary-by-header-pattern'),
      cookie: get('canary-by-cookie'),
    };
    if (s.canary.weight !== undefined && (!Number.isInteger(s.canary.weight) || s.canary.weight < 0)) {
      report.error(id, key('canary-weight'), `"${w}" is not a whole number; the canary gets no weighted traffic`);
      s.canary.weight = undefined;
    }
  }
  s.rewriteTarget = get('rewrite-target');
  s.appRoot = get('app-root');
  const temporal = get('temporal-redirect');
  const permanent = get('permanent-redirect');
  const code = (n: string, dflt: number, allowed: number[]) => {
    const v = get(n);
    if (v === undefined) return dflt;
    if (allowed.includes(Number(v))) return Number(v);
    report.error(id, key(n), `"${v}" is not one of ${allowed.join(', ')}; ${dflt} used`);
    return dflt;
  };
  // ingress-nginx lets a temporal redirect win over a permanent one.
  if (temporal) s.redirect = { url: temporal, code: code('temporal-redirect-code', 302, [301, 302, 303, 307]) };
  else if (permanent) s.redirect = { url: permanent, code: code('permanent-redirect-code', 301, [301, 302, 303, 307, 308]) };
  if (temporal && permanent) report.warning(id, key('permanent-redirect'), 'ignored: temporal-redirect takes precedence, as in ingress-nginx');
  s.upstreamVhost = get('upstream-vhost');
  s.xForwardedPrefix = get('x-forwarded-prefix');

  const proto = (get('backend-protocol') ?? 'HTTP').toUpperCase();
  if (proto === 'HTTP' || proto === 'HTTPS' || proto === 'GRPC' || proto === 'GRPCS') s.backendProtocol = proto;
  else if (proto === 'AUTO_HTTP') s.backendProtocol = 'HTTP';
  else report.error(id, key('backend-protocol'), `not converted: ${proto} backends are not supported by Portico; the route forwards HTTP`);

  if (bool('enable-cors', false)) {
    const origins = list(get('cors-allow-origin'));
    const maxAge = Number(get('cors-max-age') ?? 1728000);
    s.cors = {
      allowOrigins: origins.length > 0 ? origins : ['*'],
      allowMethods: get('cors-allow-methods') !== undefined ? list(get('cors-allow-methods')).map((m) => m.toUpperCase()) : CORS_DEFAULT_METHODS,
      allowHeaders: get('cors-allow-headers') !== undefined ? list(get('cors-allow-headers')) : CORS_DEFAULT_HEADERS,
      exposeHeaders: list(get('cors-expose-headers')),
      allowCredentials: bool('cors-allow-credentials', true),
      maxAge: Number.isInteger(maxAge) && maxAge >= 0 ? maxAge : 1728000,
    };
    if (s.cors.allowCredentials && s.cors.allowOrigins.includes('*')) {
      s.cors.allowCredentials = false;
      report.warning(id, key('cors-allow-credentials'), 'credentials are not allowed with origin "*" (browsers refuse that answer; the Gateway API CORS filter rejects it): list the origins in cors-allow-origin to allow credentials');
    }
  }
  const affinity = get('affinity');
  if (affinity === 'cookie') {
    const maxAge = get('session-cookie-max-age') ?? get('session-cookie-expires');
    s.affinity = { cookieName: get('session-cookie-name') ?? 'INGRESSCOOKIE', maxAgeSeconds: maxAge !== undefined && Number.isInteger(Number(maxAge)) ? Number(maxAge) : undefined };
  } else if (affinity !== undefined) {
    report.error(id, key('affinity'), `not converted: affinity "${affinity}" (only "cookie" exists in ingress-nginx)`);
  }
  const authUrl = get('auth-url');
  if (authUrl !== undefined) s.externalAuth = { url: authUrl, responseHeaders: list(get('auth-response-headers')) };
  return s;
}
