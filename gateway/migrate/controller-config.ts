// ingress-nginx's controller-wide defaults, and the ConfigMap that changes them. Where Portico's
// own default differs (no body limit, no backend timeout, no port-80 redirect), the converted
// routes carry ingress-nginx's value explicitly, so behaviour does not change silently.
import type { ConfigMap } from './inputs.ts';
import { nsName } from './inputs.ts';
import type { Report } from './report.ts';

export interface ControllerDefaults {
  sslRedirect: boolean;
  forceSslRedirect: boolean;
  /** nginx size ("1m"); "0" is no limit. */
  proxyBodySize: string;
  /** Seconds. */
  proxyConnectTimeout: number;
  proxyReadTimeout: number;
  proxySendTimeout: number;
  /** Status of the port-80 → https redirect. */
  httpRedirectCode: 301 | 302 | 307 | 308;
  /** Where the values came from, for the report ("ingress-nginx defaults" or the ConfigMap). */
  source: string;
}

export const INGRESS_NGINX_DEFAULTS: ControllerDefaults = {
  sslRedirect: true, forceSslRedirect: false, proxyBodySize: '1m',
  proxyConnectTimeout: 5, proxyReadTimeout: 60, proxySendTimeout: 60, httpRedirectCode: 308,
  source: 'ingress-nginx defaults',
};

/** ConfigMap names the Helm chart and the static manifests give the controller's configuration. */
export const CONFIGMAP_NAMES = ['ingress-nginx-controller', 'nginx-configuration'];

const USED = new Set(['ssl-redirect', 'force-ssl-redirect', 'proxy-body-size', 'proxy-connect-timeout', 'proxy-read-timeout', 'proxy-send-timeout', 'http-redirect-code']);
/** Keys whose loss changes behaviour; every other key gets an info line. */
const LOSSY: Record<string, string> = {
  'http-snippet': 'raw nginx configuration: no gateway can run it', 'server-snippet': 'raw nginx configuration: no gateway can run it',
  'location-snippet': 'raw nginx configuration: no gateway can run it', 'main-snippet': 'raw nginx configuration: no gateway can run it',
  'enable-modsecurity': 'ModSecurity: Portico has no WAF', 'enable-owasp-modsecurity-crs': 'ModSecurity: Portico has no WAF',
  'global-auth-url': 'global external auth: add an ExternalAuth filter (or a SecurityPolicy) per route',
  'whitelist-source-range': 'controller-wide allow list: needs a SecurityPolicy on the Gateway',
  'denylist-source-range': 'controller-wide deny list: needs a SecurityPolicy on the Gateway',
  'limit-req-status-code': 'rate limits need a TrafficPolicy', 'custom-http-errors': 'error pages need a TrafficPolicy (responseOverride)',
  'use-forwarded-headers': 'trusting X-Forwarded-For from a proxy in front needs the gateway\'s trusted-proxy setting',
  'hsts': 'HSTS: add a ResponseHeaderModifier setting Strict-Transport-Security on the https routes',
};

function seconds(v: string, key: string, cm: string, report: Report, fallback: number): number {
  const n = Number(v);
  if (Number.isInteger(n) && n > 0) return n;
  report.error(cm, key, `"${v}" is not a whole number of seconds; ${fallback} s used`);
  return fallback;
}

export function pickConfigMap(configMaps: readonly ConfigMap[], wanted: string | undefined): ConfigMap | undefined {
  if (wanted !== undefined) return configMaps.find((c) => nsName(c.metadata) === wanted);
  return configMaps.find((c) => CONFIGMAP_NAMES.includes(c.metadata.name));
}

export function controllerDefaults(cm: ConfigMap | undefined, report: Report): ControllerDefaults {
  if (cm === undefined) return INGRESS_NGINX_DEFAULTS;
  const where = nsName(cm.metadata);
  const d = { ...INGRESS_NGINX_DEFAULTS, source: `ConfigMap ${where}` };
  const data = cm.data ?? {};
  for (const [key, v] of Object.entries(data)) {
    switch (key) {
      case 'ssl-redirect': d.sslRedirect = v === 'true'; break;
      case 'force-ssl-redirect': d.forceSslRedirect = v === 'true'; break;
      case 'proxy-body-size': d.proxyBodySize = v; break;
      case 'proxy-connect-timeout': d.proxyConnectTimeout = seconds(v, key, where, report, 5); break;
      case 'proxy-read-timeout': d.proxyReadTimeout = seconds(v, key, where, report, 60); break;
      case 'proxy-send-timeout': d.proxySendTimeout = seconds(v, key, where, report, 60); break;
      case 'http-redirect-code': {
        const c = Number(v);
        if (c === 301 || c === 302 || c === 307 || c === 308) d.httpRedirectCode = c;
        else report.error(where, key, `"${v}" is not 301, 302, 307 or 308; 308 used`);
        break;
      }
      default:
        if (Object.hasOwn(LOSSY, key)) report.error(where, key, `not converted: ${LOSSY[key]}`);
        else if (!USED.has(key)) report.info(where, key, 'controller-wide setting not converted (Portico has its own serve flags and defaults)');
    }
  }
  return d;
}

/** nginx sizes ("8k", "1m", "2g", plain bytes) in bytes; undefined when it does not parse. */
export function nginxSizeBytes(v: string): number | undefined {
  const m = /^\s*(\d+)\s*([kKmMgG]?)\s*$/.exec(v);
  if (!m) return undefined;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * unit;
}
