// Portico's own policy kinds (group policy.portico.dev), attached to Gateway API objects as
// GEP-713 describes: `targetRefs` name a Gateway, a listener (sectionName), an HTTPRoute/GRPCRoute
// or one rule of it (sectionName = the rule's name), in the policy's own namespace.
// These interfaces are the source of the CRDs in crds/portico (scripts/gen-policy-crds.ts turns
// them into OpenAPI schemas): JSDoc tags such as @minItems and @pattern become schema keywords.
import type { KubeObject } from './resources.ts';

export const POLICY_GROUP = 'policy.portico.dev';
export const POLICY_VERSION = 'v1alpha1';

/** GEP-713 LocalPolicyTargetReferenceWithSectionName: a target in the policy's namespace. */
export interface PolicyTargetReference {
  /**
   * "gateway.networking.k8s.io"
   * @maxLength 253
   */
  group: string;
  /**
   * Gateway, ListenerSet, HTTPRoute or GRPCRoute.
   * @maxLength 63
   */
  kind: string;
  /**
   * @minLength 1
   * @maxLength 253
   */
  name: string;
  /**
   * A listener name (Gateway, ListenerSet) or a rule name (HTTPRoute, GRPCRoute).
   * @minLength 1
   * @maxLength 253
   * @pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$
   */
  sectionName?: string;
}

/** A key of a Secret in the policy's namespace. Secrets are read one by one, by name. */
export interface SecretKeyReference {
  /**
   * @minLength 1
   * @maxLength 253
   */
  name: string;
  /** The data key; each field documents its default. */
  key?: string;
}

/** An in-cluster Service in the policy's namespace. */
export interface ServiceBackendReference {
  /**
   * @minLength 1
   * @maxLength 253
   */
  name: string;
  /**
   * @minimum 1
   * @maximum 65535
   */
  port: number;
}

/**
 * Where the gateway fetches a document (a JWKS, OIDC endpoints): an in-cluster Service, or an https
 * URL whose host the platform allow-listed on the Gateway (annotation
 * `policy.portico.dev/allowed-hosts`). A tenant cannot make the gateway call any other host.
 */
export interface RemoteEndpoint {
  backendRef?: ServiceBackendReference;
  /**
   * Path on the Service (backendRef), e.g. "/.well-known/jwks.json".
   * @pattern ^/
   */
  path?: string;
  /**
   * An https URL on an allow-listed host.
   * @pattern ^https://
   * @maxLength 2048
   */
  uri?: string;
}

// ---------------------------------------------------------------- SecurityPolicy

export type SecuritySection = 'jwt' | 'oidc' | 'basicAuth' | 'apiKeyAuth' | 'extAuth' | 'authorization';

export type JWTAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'PS256' | 'EdDSA';

export interface ClaimMatch {
  /**
   * Claim name; a dotted path reaches into objects ("realm.role").
   * @minLength 1
   */
  name: string;
  /**
   * The claim (or, for an array claim, one of its elements) equals one of these.
   * @minItems 1
   */
  values: string[];
}

export interface JWTProvider {
  /**
   * @minLength 1
   * @maxLength 63
   * @pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$
   */
  name: string;
  /** The `iss` the token must carry. */
  issuer?: string;
  /** The token's `aud` must contain one of these. */
  audiences?: string[];
  /** The keys: a JWKS document in a Secret (key default "jwks.json"), or fetched from a remote endpoint. */
  jwks: { secretRef?: SecretKeyReference; remote?: RemoteEndpoint & { cacheDuration?: string } };
  /** Accepted algorithms; default: every one listed here. */
  algorithms?: JWTAlgorithm[];
  /** Tolerance for exp/nbf/iat, a Gateway API duration ("30s"); default 0s. */
  clockSkew?: string;
  /** Where the token is; default the Authorization header with the "Bearer " prefix. */
  extractFrom?: { headers?: { name: string; valuePrefix?: string }[]; cookies?: string[]; params?: string[] };
  /** Copy claims to request headers for the backend (a string claim, or JSON of other values). */
  claimToHeaders?: { claim: string; header: string }[];
  requiredClaims?: ClaimMatch[];
  /** Every scope listed must be in the token's `scope` (space separated) or `scp` claim. */
  requiredScopes?: string[];
  /** Keep the token in the request to the backend; default it is removed. */
  forwardToken?: boolean;
}

export interface JWTAuthentication {
  /**
   * A token must verify against one of these.
   * @minItems 1
   * @maxItems 8
   */
  providers: JWTProvider[];
  /** Let requests without a token through (a token that is present must still verify). */
  optional?: boolean;
}

export interface BasicAuthentication {
  /** An htpasswd file (bcrypt "$2y$" or "{SHA}" lines) in a Secret; key default ".htpasswd". */
  users: SecretKeyReference;
  /** Send the authenticated user name to the backend in this header. */
  forwardUsernameHeader?: string;
  realm?: string;
}

export interface APIKeyAuthentication {
  /**
   * Secrets whose data keys are client ids and whose values are their API keys.
   * @minItems 1
   * @maxItems 16
   */
  credentialRefs: { name: string }[];
  /** Where the key is: header names, query parameters, cookies (at least one). */
  extractFrom: { headers?: string[]; params?: string[]; cookies?: string[] };
  /** Send the client id to the backend in this header. */
  forwardClientIDHeader?: string;
}

export interface ExternalAuthorization {
  protocol: 'HTTP' | 'GRPC';
  backendRef: ServiceBackendReference;
  http?: { path?: string; allowedHeaders?: string[]; allowedResponseHeaders?: string[] };
  grpc?: { allowedHeaders?: string[] };
  forwardBody?: { maxSize?: number };
}

export interface AuthorizationRule {
  name?: string;
  action: 'Allow' | 'Deny';
  /** Who: every field given must match. */
  principal?: {
    /** Client addresses (IPv4/IPv6 CIDRs); the client is found with `clientIP` below. */
    clientCIDRs?: string[];
    /** Claims and scopes of the token verified by the `jwt` section. */
    jwt?: { claims?: ClaimMatch[]; scopes?: string[] };
    headers?: { name: string; values: string[] }[];
  };
  /** Upper-case methods; empty = any. */
  methods?: string[];
  /** Path matches; empty = any. */
  paths?: { type?: 'Exact' | 'PathPrefix'; value: string }[];
}

export interface Authorization {
  /** Rules are tried in order; the first that matches decides. */
  rules?: AuthorizationRule[];
  /** When no rule matches; default Deny. */
  defaultAction?: 'Allow' | 'Deny';
  /**
   * How the client address is found: the peer address, or from X-Forwarded-For when the request
   * came through trusted proxies (a hop count, or the proxies' CIDRs).
   */
  clientIP?: { xForwardedFor?: { numTrustedHops?: number; trustedCIDRs?: string[] } };
}

export interface OIDCAuthentication {
  provider: {
    /** The issuer (must equal the discovery document's and the ID token's `iss`). */
    issuer: string;
    /** Where discovery ("/.well-known/openid-configuration") and the token endpoint are reached. */
    endpoint: RemoteEndpoint;
  };
  clientID: string;
  /** key default "client-secret" */
  clientSecret: SecretKeyReference;
  /** Key material for the session cookie (any length; key default "cookie-secret"). */
  cookieSecret: SecretKeyReference;
  /** The callback path on this host; default "/oauth2/callback". */
  redirectPath?: string;
  /** Requests to this path end the session; default "/logout". */
  logoutPath?: string;
  /** default ["openid"] */
  scopes?: string[];
  /** default "portico-oidc" */
  cookieName?: string;
  /** Use the refresh token when the session's tokens expire; default true. */
  refresh?: boolean;
  /** Send the ID token to the backend as Authorization: Bearer; default false. */
  forwardIDToken?: boolean;
}

export interface SecurityPolicySpec {
  /**
   * @minItems 1
   * @maxItems 16
   */
  targetRefs: PolicyTargetReference[];
  /** Sections inherited from a less specific level (Gateway → listener → route → rule) turned off here. */
  disable?: SecuritySection[];
  jwt?: JWTAuthentication;
  oidc?: OIDCAuthentication;
  basicAuth?: BasicAuthentication;
  apiKeyAuth?: APIKeyAuthentication;
  /** Only at Gateway or listener scope (routes use the ExternalAuth filter). */
  extAuth?: ExternalAuthorization;
  authorization?: Authorization;
}

/** GEP-713 PolicyAncestorStatus, as BackendTLSPolicy's status. */
export interface PolicyStatus {
  ancestors?: {
    ancestorRef: { group?: string; kind?: string; namespace?: string; name: string; sectionName?: string };
    controllerName: string;
    conditions: { type: string; status: string; reason: string; message: string; observedGeneration?: number; lastTransitionTime: string }[];
  }[];
}

export type SecurityPolicy = KubeObject<SecurityPolicySpec, PolicyStatus>;
