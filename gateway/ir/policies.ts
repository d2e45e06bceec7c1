// Policies (GEP-713 attachment) as the data plane sees them: already resolved per route rule and
// listener. The translator walks Gateway → listener → route → rule once and writes the effective
// result on each rule, so a request never looks at scopes. Plain data only (it crosses processes).
import type { BackendIR } from './backend.ts';
import type { ExternalAuthIR } from './http.ts';
import type { TrafficPolicyIR } from './traffic.ts';

/** The effective policies of one rule on one listener, by policy kind. */
export interface RulePoliciesIR {
  security?: SecurityIR;
  traffic?: TrafficPolicyIR;
}

/** Where each section of an effective policy came from: "Kind/namespace/name@level". */
export type PolicySourcesIR = Record<string, string>;

export interface SecurityIR {
  sources: PolicySourcesIR;
  jwt?: JwtIR;
  oidc?: OidcIR;
  basicAuth?: BasicAuthIR;
  apiKeyAuth?: ApiKeyAuthIR;
  extAuth?: ExternalAuthIR;
  authorization?: AuthorizationIR;
}

/** A document the gateway fetches: a URL, reached through a Service's endpoints when `backend` is set. */
export interface RemoteDocumentIR {
  /** http(s)://host[:port]/path; with `backend`, host is the Service's cluster name (sent as Host). */
  url: string;
  backend?: BackendIR;
}

export interface JwtProviderIR {
  name: string;
  issuer?: string;
  audiences: string[];
  algorithms: string[];
  clockSkewSeconds: number;
  /** The JWKS: inline JSON text (from a Secret) or fetched and cached (refetched on an unknown kid). */
  jwks: { inline?: string; remote?: RemoteDocumentIR & { cacheSeconds: number } };
  extract: { headers: { name: string; prefix: string }[]; cookies: string[]; params: string[] };
  claimToHeaders: { claim: string; header: string }[];
  requiredClaims: { name: string; values: string[] }[];
  requiredScopes: string[];
  forwardToken: boolean;
}

export interface JwtIR {
  optional: boolean;
  providers: JwtProviderIR[];
}

export interface BasicAuthIR {
  /** htpasswd entries: user → hash ("$2y$..." bcrypt or "{SHA}base64"). */
  users: { user: string; hash: string }[];
  realm: string;
  forwardUsernameHeader?: string;
}

export interface ApiKeyAuthIR {
  clients: { clientId: string; apiKey: string }[];
  extract: { headers: string[]; params: string[]; cookies: string[] };
  forwardClientIdHeader?: string;
}

export interface AuthorizationRuleIR {
  name: string;
  action: 'Allow' | 'Deny';
  clientCidrs: string[];
  jwtClaims: { name: string; values: string[] }[];
  jwtScopes: string[];
  headers: { name: string; values: string[] }[];
  methods: string[];
  paths: { type: 'Exact' | 'PathPrefix'; value: string }[];
}

export interface AuthorizationIR {
  rules: AuthorizationRuleIR[];
  defaultAction: 'Allow' | 'Deny';
  clientIp: { numTrustedHops?: number; trustedCidrs?: string[] };
}

export interface OidcIR {
  issuer: string;
  /** Where discovery and the token endpoint are reached (browser redirects use the discovered URLs). */
  endpoint: RemoteDocumentIR;
  clientId: string;
  clientSecret: string;
  cookieSecret: string;
  redirectPath: string;
  logoutPath: string;
  scopes: string[];
  cookieName: string;
  refresh: boolean;
  forwardIdToken: boolean;
}
