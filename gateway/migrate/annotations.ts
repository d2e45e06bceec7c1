// Every ingress-nginx annotation `portico migrate` knows, in one table: what it becomes and, for
// what it cannot convert, why. The converters (settings.ts, convert.ts) read annotations through
// this table only, so an annotation that is neither converted nor explained cannot slip through:
// anything present on an Ingress and not consumed gets a report line. docs/migrate.md lists the
// same table (a test keeps them in step).

export const NGINX_PREFIX = 'nginx.ingress.kubernetes.io/';

export type Outcome =
  /** Becomes Gateway API or Portico configuration. */
  | 'converted'
  /** Converted, but not with exactly the same meaning: a report line says how it differs. */
  | 'approximated'
  /** Needs a Portico policy (SecurityPolicy, issue 13; TrafficPolicy, issue 14). */
  | 'needs-policy'
  /** Not converted: a report line with the reason. */
  | 'not-converted';

export interface AnnotationInfo {
  /** Without the nginx.ingress.kubernetes.io/ prefix. */
  readonly name: string;
  readonly outcome: Outcome;
  /** What it becomes, or why not. */
  readonly becomes: string;
  /** ingress2gateway's ingress-nginx provider reads it too. */
  readonly i2gw?: boolean;
  /** The policy kind it needs, or converts into (when this build has it). */
  readonly policy?: 'SecurityPolicy' | 'TrafficPolicy';
}

const a = (name: string, outcome: Outcome, becomes: string, extra: Partial<AnnotationInfo> = {}): AnnotationInfo => ({ name, outcome, becomes, ...extra });
const I = { i2gw: true } as const;
const SNIPPET = 'raw nginx configuration: no gateway can run it; rewrite what it does with route filters or policies';

export const ANNOTATIONS: readonly AnnotationInfo[] = [
  // Canary
  a('canary', 'converted', 'merges this Ingress\'s backends into the main Ingress\'s rules for the same host and path', I),
  a('canary-weight', 'converted', 'backendRefs weights: canary gets the weight, the main backends the rest of the total', I),
  a('canary-weight-total', 'converted', 'the total the canary weight is taken from (default 100)', I),
  a('canary-by-header', 'converted', 'a rule with a header match (value "always", or canary-by-header-value) sending to the canary', I),
  a('canary-by-header-value', 'converted', 'the exact header value of that match', I),
  a('canary-by-header-pattern', 'converted', 'a RegularExpression header match (PCRE converted to RE2)', I),
  a('canary-by-cookie', 'converted', 'a RegularExpression match on the Cookie header for <cookie>=always', I),
  // Paths, rewrites and redirects
  a('use-regex', 'converted', 'the host\'s paths become case-insensitive RegularExpression matches anchored at the start, as nginx\'s ~* "^path" locations', I),
  a('rewrite-target', 'converted', 'URLRewrite ReplaceFullPath; a capture-group rewrite of the form <prefix>(/|$)(.*) -> <target>$2 becomes a PathPrefix match with ReplacePrefixMatch; other capture groups are reported', I),
  a('app-root', 'converted', 'a rule for exactly "/" redirecting (302) to the app root', I),
  a('permanent-redirect', 'converted', 'RequestRedirect to the URL (301 or permanent-redirect-code)', I),
  a('permanent-redirect-code', 'converted', 'the redirect\'s status code', I),
  a('temporal-redirect', 'converted', 'RequestRedirect to the URL (302 or temporal-redirect-code)', I),
  a('temporal-redirect-code', 'converted', 'the redirect\'s status code', I),
  a('ssl-redirect', 'converted', 'for TLS hosts, the port-80 route redirects (308) to https; "false" serves port 80 as well', I),
  a('force-ssl-redirect', 'converted', 'the port-80 route redirects (308) to https even without a TLS section'),
  a('from-to-www-redirect', 'converted', 'a route for the other name (www. added or removed) redirecting (308) to this host', I),
  a('server-alias', 'converted', 'the aliases become extra hostnames of the host\'s routes'),
  a('proxy-redirect-from', 'not-converted', 'rewriting the Location header of responses has no Gateway API field', I),
  a('proxy-redirect-to', 'not-converted', 'rewriting the Location header of responses has no Gateway API field', I),
  // Headers
  a('upstream-vhost', 'converted', 'URLRewrite hostname (the Host sent upstream)', I),
  a('x-forwarded-prefix', 'converted', 'RequestHeaderModifier setting X-Forwarded-Prefix', I),
  a('connection-proxy-header', 'not-converted', 'Connection is a hop-by-hop header the gateway manages itself', I),
  a('custom-headers', 'not-converted', 'names a ConfigMap of response headers: add them with a ResponseHeaderModifier filter', I),
  // Timeouts and bodies
  a('proxy-read-timeout', 'approximated', 'timeouts.backendRequest (nginx bounds each wait between two reads; Gateway API bounds the whole answer)', I),
  a('proxy-send-timeout', 'approximated', 'folded into timeouts.backendRequest (nginx bounds each wait between two writes to the backend)', I),
  a('proxy-connect-timeout', 'approximated', 'folded into timeouts.backendRequest (Gateway API has no connect timeout)', I),
  a('proxy-body-size', 'converted', 'TrafficPolicy requestBody.maxSize (nginx\'s 1024-based units as a quantity: 8m is 8Mi); ingress-nginx\'s 1m default too; 0 is no limit', { ...I, policy: 'TrafficPolicy' }),
  a('client-body-buffer-size', 'not-converted', 'nginx buffers bodies to disk beyond it; Portico streams bodies and has nothing to tune', I),
  // Backends
  a('backend-protocol', 'converted', 'GRPC: a GRPCRoute; GRPCS: a GRPCRoute and a BackendTLSPolicy; HTTPS: a BackendTLSPolicy; FCGI and AJP are reported', I),
  a('proxy-ssl-verify', 'converted', 'with proxy-ssl-secret: a BackendTLSPolicy trusting its CA', I),
  a('proxy-ssl-secret', 'converted', 'the BackendTLSPolicy\'s CA (Portico reads CA bundles from ConfigMaps: the report says which ConfigMap to create)', I),
  a('proxy-ssl-name', 'converted', 'the BackendTLSPolicy hostname', I),
  a('proxy-ssl-server-name', 'converted', 'SNI: a BackendTLSPolicy always sends its hostname', I),
  a('proxy-ssl-verify-depth', 'not-converted', 'Gateway API has no chain depth setting', I),
  a('proxy-ssl-protocols', 'not-converted', 'Gateway API has no TLS version setting for backends', I),
  a('proxy-ssl-ciphers', 'not-converted', 'Gateway API has no cipher setting for backends'),
  a('service-upstream', 'not-converted', 'Portico always balances over the Service\'s endpoints itself'),
  a('load-balance', 'not-converted', 'Portico balances round-robin by weight; other algorithms need a TrafficPolicy'),
  a('upstream-hash-by', 'converted', 'TrafficPolicy loadBalancer ConsistentHash on $remote_addr (SourceIP), $http_<name> (Header) or $cookie_<name> (Cookie, generate: false: the application sets it, as with nginx); other keys are reported', { policy: 'TrafficPolicy' }),
  // Sessions
  a('affinity', 'converted', 'cookie: sessionPersistence of type Cookie', I),
  a('session-cookie-name', 'converted', 'sessionPersistence.sessionName (default INGRESSCOOKIE)'),
  a('session-cookie-expires', 'converted', 'sessionPersistence absoluteTimeout with a Permanent cookie', I),
  a('session-cookie-max-age', 'converted', 'sessionPersistence absoluteTimeout with a Permanent cookie'),
  a('affinity-mode', 'not-converted', 'Portico keeps a session on its backend while it is healthy ("persistent"); "balanced" has no equivalent'),
  a('session-cookie-path', 'not-converted', 'Gateway API sets no cookie path'),
  a('session-cookie-samesite', 'not-converted', 'Gateway API sets no SameSite attribute'),
  a('session-cookie-secure', 'not-converted', 'Gateway API sets no Secure attribute'),
  a('session-cookie-change-on-failure', 'not-converted', 'Portico re-balances a session whose backend is gone'),
  // TLS
  a('ssl-passthrough', 'converted', 'a TLSRoute on a Passthrough listener for each host', I),
  a('ssl-ciphers', 'not-converted', 'listener TLS settings are the platform\'s (Gateway), not a route\'s'),
  a('ssl-prefer-server-ciphers', 'not-converted', 'listener TLS settings are the platform\'s (Gateway), not a route\'s'),
  a('auth-tls-secret', 'not-converted', 'client certificates are checked per Gateway (spec.tls.frontend), which the platform owns'),
  a('auth-tls-verify-client', 'not-converted', 'client certificates are checked per Gateway (spec.tls.frontend), which the platform owns'),
  a('auth-tls-verify-depth', 'not-converted', 'Gateway API has no chain depth setting'),
  a('auth-tls-error-page', 'not-converted', 'no error page for failed client certificates'),
  a('auth-tls-pass-certificate-to-upstream', 'not-converted', 'the client certificate is not forwarded'),
  // CORS
  a('enable-cors', 'converted', 'a CORS filter', I),
  a('cors-allow-origin', 'converted', 'cors allowOrigins', I),
  a('cors-allow-methods', 'converted', 'cors allowMethods', I),
  a('cors-allow-headers', 'converted', 'cors allowHeaders', I),
  a('cors-expose-headers', 'converted', 'cors exposeHeaders', I),
  a('cors-allow-credentials', 'converted', 'cors allowCredentials (not with origin "*")', I),
  a('cors-max-age', 'converted', 'cors maxAge', I),
  // Access control
  a('whitelist-source-range', 'converted', 'a SecurityPolicy on the Ingress\'s rules: authorization allowing these client CIDRs, denying the rest (403)', { ...I, policy: 'SecurityPolicy' }),
  a('allowlist-source-range', 'converted', 'as whitelist-source-range (its newer name)', { policy: 'SecurityPolicy' }),
  a('denylist-source-range', 'converted', 'a SecurityPolicy authorization rule denying these client CIDRs, before any allow list (as nginx orders them)', { ...I, policy: 'SecurityPolicy' }),
  a('auth-url', 'converted', 'an ExternalAuth filter (HTTP) to the in-cluster Service the URL names', {}),
  a('auth-response-headers', 'converted', 'the ExternalAuth filter\'s allowedResponseHeaders'),
  a('auth-signin', 'not-converted', 'a redirect to a sign-in page on 401: the login flow (oauth2-proxy and the like) maps to a SecurityPolicy oidc, whose issuer and client the Ingress does not name; write it by hand'),
  a('auth-method', 'not-converted', 'ExternalAuth calls use the request\'s method'),
  a('auth-request-redirect', 'not-converted', 'ExternalAuth sends no X-Auth-Request-Redirect header'),
  a('auth-cache-key', 'not-converted', 'ExternalAuth answers are not cached'),
  a('auth-cache-duration', 'not-converted', 'ExternalAuth answers are not cached'),
  a('auth-keepalive', 'not-converted', 'connection reuse to the auth service is the gateway\'s own'),
  a('auth-proxy-set-headers', 'not-converted', 'names a ConfigMap of headers for the auth request'),
  a('enable-global-auth', 'not-converted', 'the controller-wide global-auth-url has no counterpart'),
  a('auth-type', 'converted', 'basic: a SecurityPolicy basicAuth on the Ingress\'s rules; digest is reported', { policy: 'SecurityPolicy' }),
  a('auth-secret', 'converted', 'basicAuth.users: the Secret\'s key "auth" (bcrypt and {SHA} lines; a Secret of another namespace is reported)', { policy: 'SecurityPolicy' }),
  a('auth-secret-type', 'converted', 'auth-file (the default) converts; auth-map is reported', { policy: 'SecurityPolicy' }),
  a('auth-realm', 'converted', 'basicAuth.realm', { policy: 'SecurityPolicy' }),
  a('satisfy', 'not-converted', 'combining authentication and source ranges with "any" has no counterpart'),
  // Rate limits, errors
  a('limit-rps', 'approximated', 'TrafficPolicy local rate limit per client address and second, counted per gateway process; no burst allowance, 429 instead of 503', { policy: 'TrafficPolicy' }),
  a('limit-rpm', 'approximated', 'TrafficPolicy local rate limit per client address and minute, as limit-rps', { policy: 'TrafficPolicy' }),
  a('limit-connections', 'not-converted', 'connections per client address: a TrafficPolicy circuitBreaker limits a backend, not a client'),
  a('limit-burst-multiplier', 'approximated', 'the burst nginx allowed on top of the rate: a TrafficPolicy limit has none (the warning on limit-rps says how much)', { policy: 'TrafficPolicy' }),
  a('limit-whitelist', 'not-converted', 'a TrafficPolicy rate limit has no exempt client ranges: those clients are limited too'),
  a('limit-rate', 'not-converted', 'response bandwidth limits have no counterpart'),
  a('limit-rate-after', 'not-converted', 'response bandwidth limits have no counterpart'),
  a('custom-http-errors', 'not-converted', 'ingress-nginx fetched error pages from the default-backend Service; a TrafficPolicy responseOverride answers a fixed status, headers and body: write the pages there'),
  a('default-backend', 'not-converted', 'the Service rendering custom-http-errors pages: see custom-http-errors'),
  // Snippets, WAF, Lua, observability
  a('configuration-snippet', 'not-converted', SNIPPET),
  a('server-snippet', 'not-converted', SNIPPET),
  a('auth-snippet', 'not-converted', SNIPPET),
  a('stream-snippet', 'not-converted', SNIPPET),
  a('modsecurity-snippet', 'not-converted', 'ModSecurity rules: Portico has no WAF'),
  a('enable-modsecurity', 'not-converted', 'ModSecurity: Portico has no WAF'),
  a('enable-owasp-core-rules', 'not-converted', 'the OWASP core rule set runs in ModSecurity: Portico has no WAF'),
  a('modsecurity-transaction-id', 'not-converted', 'ModSecurity: Portico has no WAF'),
  a('lua-resty-waf', 'not-converted', 'Lua WAF: Portico runs no Lua'),
  a('mirror-target', 'not-converted', 'a mirror to a URL: use a RequestMirror filter to a Service'),
  a('mirror-request-body', 'not-converted', 'a mirror to a URL: use a RequestMirror filter to a Service'),
  a('mirror-host', 'not-converted', 'a mirror to a URL: use a RequestMirror filter to a Service'),
  a('enable-access-log', 'not-converted', 'the access log is per gateway (portico serve --access-log)'),
  a('enable-opentelemetry', 'not-converted', 'tracing is per gateway (portico serve --otlp-endpoint)'),
  a('opentelemetry-trust-incoming-span', 'not-converted', 'tracing is per gateway (portico serve --otlp-endpoint)'),
  a('proxy-buffering', 'not-converted', 'Portico streams responses; there is no buffering to switch'),
  a('proxy-buffer-size', 'not-converted', 'Portico streams responses; there is no buffer to size'),
  a('proxy-buffers-number', 'not-converted', 'Portico streams responses; there is no buffer to size'),
  a('proxy-request-buffering', 'not-converted', 'Portico streams request bodies'),
  a('proxy-max-temp-file-size', 'not-converted', 'Portico writes no temporary files'),
  a('proxy-http-version', 'not-converted', 'the upstream HTTP version follows the Service port\'s appProtocol'),
  a('proxy-next-upstream', 'not-converted', 'retries are a route\'s retry field (experimental): set it where wanted'),
  a('proxy-next-upstream-tries', 'not-converted', 'retries are a route\'s retry field (experimental): set it where wanted'),
  a('proxy-next-upstream-timeout', 'not-converted', 'retries are a route\'s retry field (experimental): set it where wanted'),
  a('http2-push-preload', 'not-converted', 'HTTP/2 server push is obsolete and not supported'),
  a('preserve-trailing-slash', 'not-converted', 'redirects keep the path as Gateway API defines'),
  a('use-port-in-redirects', 'not-converted', 'redirect ports follow Gateway API\'s rules'),
  a('x-forwarded-port', 'not-converted', 'Portico sets X-Forwarded-* headers itself'),
  a('enable-rewrite-log', 'not-converted', 'nginx debug logging'),
];

const BY_NAME = new Map(ANNOTATIONS.map((x) => [x.name, x]));

export function annotationInfo(name: string): AnnotationInfo | undefined {
  return BY_NAME.get(name.startsWith(NGINX_PREFIX) ? name.slice(NGINX_PREFIX.length) : name);
}

/** lua-resty-waf comes with a family of suffixed annotations; they share its entry. */
export function annotationFamily(name: string): AnnotationInfo | undefined {
  return annotationInfo(name) ?? (name.startsWith('lua-resty-waf') ? annotationInfo('lua-resty-waf') : undefined);
}
