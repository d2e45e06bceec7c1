import type { BackendIR } from './backend.ts';
import type { RulePoliciesIR } from './policies.ts';

/** A bucket of rules for one hostname pattern within one listener. */
export interface HttpHostIR {
  /** Exact host ("a.example.com"), wildcard ("*.example.com") or "*" (any host). */
  hostname: string;
  /** Every (rule × match) of every route attached here, in spec precedence order. */
  rules: HttpRuleIR[];
}

export interface HttpRouteRefIR {
  kind: 'HTTPRoute' | 'GRPCRoute';
  namespace: string;
  name: string;
  ruleIndex: number;
  ruleName?: string;
  matchIndex: number;
}

export type StringMatchIR =
  | { type: 'Exact'; value: string }
  | { type: 'RegularExpression'; value: string };

export type PathMatchIR =
  | { type: 'Exact'; value: string }
  | { type: 'PathPrefix'; value: string }
  | { type: 'RegularExpression'; value: string };

export interface HttpMatchIR {
  path: PathMatchIR;
  /** Upper-case method, or undefined for any. */
  method?: string;
  /** Header names lower-cased. */
  headers: ({ name: string } & StringMatchIR)[];
  queryParams: ({ name: string } & StringMatchIR)[];
  /**
   * GRPCRoute rules only: the method match the path was built from. GRPCRoute precedence counts
   * the characters of the service, then of the method, which the path alone cannot tell.
   */
  grpcMethod?: { service?: string; method?: string };
}

export interface HeaderModifierIR {
  /** Names lower-cased for the lookup, with the original spelling kept for output. */
  set: { name: string; value: string }[];
  add: { name: string; value: string }[];
  remove: string[];
}

export type PathModifierIR =
  | { type: 'ReplaceFullPath'; value: string }
  | { type: 'ReplacePrefixMatch'; value: string };

export interface RedirectIR {
  scheme?: string;
  hostname?: string;
  port?: number;
  path?: PathModifierIR;
  statusCode: number;
}

export interface RewriteIR {
  hostname?: string;
  path?: PathModifierIR;
}

export interface MirrorIR {
  backend: BackendIR;
  /** Fraction of requests mirrored, 0..1. */
  fraction: number;
}

export interface CorsIR {
  allowOrigins: string[];
  allowCredentials: boolean;
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAge: number;
}

export interface ExternalAuthIR {
  protocol: 'HTTP' | 'GRPC';
  backend: BackendIR;
  /** HTTP: path prefix prepended to the original path. */
  path?: string;
  /** Request headers forwarded to the auth service (lower-case); empty = the spec's default set. */
  allowedHeaders: string[];
  /** Auth response headers copied to the upstream request (lower-case). */
  allowedResponseHeaders: string[];
  /** Forward up to this many body bytes (0 = no body). */
  forwardBodyMaxSize: number;
}

export type FilterIR =
  | { type: 'RequestHeaderModifier'; modifier: HeaderModifierIR }
  | { type: 'ResponseHeaderModifier'; modifier: HeaderModifierIR }
  | { type: 'RequestRedirect'; redirect: RedirectIR }
  | { type: 'URLRewrite'; rewrite: RewriteIR }
  | { type: 'RequestMirror'; mirror: MirrorIR }
  | { type: 'CORS'; cors: CorsIR }
  | { type: 'ExternalAuth'; auth: ExternalAuthIR };

export interface HttpBackendIR extends BackendIR {
  /** backendRef-level filters, applied after the rule's filters when this backend is picked. */
  filters: FilterIR[];
}

export interface RetryIR {
  codes: number[];
  /** Total attempts including the first. */
  attempts: number;
  backoffMs: number;
}

export interface SessionPersistenceIR {
  type: 'Cookie' | 'Header';
  name: string;
  absoluteTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** Cookie only: Permanent cookies carry Max-Age = absoluteTimeout. */
  permanent: boolean;
}

export interface HttpRuleIR {
  /** Stable id "Kind/ns/name/rule/match" for logs and metrics. */
  id: string;
  route: HttpRouteRefIR;
  match: HttpMatchIR;
  /** Rule-level filters in spec order. */
  filters: FilterIR[];
  backends: HttpBackendIR[];
  timeouts: { requestMs?: number; backendRequestMs?: number };
  retry?: RetryIR;
  sessionPersistence?: SessionPersistenceIR;
  /**
   * Set when the rule cannot be served as written (an unknown ExtensionRef filter, all backends
   * invalid ...): matching requests get this status and nothing is forwarded.
   */
  direct?: { status: number; reason: string };
  /** gRPC semantics for errors (grpc-status trailers) when the route is a GRPCRoute. */
  grpc: boolean;
  /**
   * Effective attached policies (SecurityPolicy ...) for this rule on this listener, inheritance
   * already resolved; absent when none applies.
   */
  policies?: RulePoliciesIR;
}
