// HTTPRoute filters (rule-level and backendRef-level), one static factory per filter type.
import { Duration } from 'cdk8s';
import { compact, nonEmpty, sortedBy } from '../base.ts';
import type { BackendRef, IBackendFilter } from './backend-ref.ts';

/** Header edits for requestHeaderModifier / responseHeaderModifier. */
export interface HeaderModifierOptions {
  /**
   * Headers to set (overwrite), by name.
   *
   * @default - none
   */
  readonly set?: Record<string, string>;
  /**
   * Headers to add (append), by name.
   *
   * @default - none
   */
  readonly add?: Record<string, string>;
  /**
   * Header names to remove.
   *
   * @default - none
   */
  readonly remove?: string[];
}

/** @internal Sorted by name so output is stable. */
export function headerModifierToKube(o: HeaderModifierOptions) {
  const list = (r: Record<string, string> | undefined) =>
    nonEmpty(sortedBy(Object.entries(r ?? {}), ([k]) => k.toLowerCase()).map(([name, value]) => ({ name, value })));
  const out = compact({ set: list(o.set), add: list(o.add), remove: nonEmpty([...(o.remove ?? [])].sort()) });
  if (Object.keys(out).length === 0) throw new Error('header modifier changes nothing; pass set, add or remove');
  return out;
}

/** The path part of requestRedirect / urlRewrite. */
export class PathModifier {
  /** Replace the whole path with `path`. */
  public static replaceFullPath(path: string): PathModifier {
    return new PathModifier({ type: 'ReplaceFullPath', replaceFullPath: path });
  }
  /** Replace the matched prefix (the rule needs a PathPrefix match) with `prefix`. */
  public static replacePrefixMatch(prefix: string): PathModifier {
    return new PathModifier({ type: 'ReplacePrefixMatch', replacePrefixMatch: prefix });
  }
  private constructor(private readonly spec: { type: string; replaceFullPath?: string; replacePrefixMatch?: string }) {
    const v = spec.replaceFullPath ?? spec.replacePrefixMatch ?? '';
    if (!v.startsWith('/')) throw new Error(`path modifier "${v}" must start with "/"`);
  }
  /** @internal */
  public get _type(): string { return this.spec.type; }
  /** @internal */
  public _toKube() { return { ...this.spec }; }
}

export interface RequestRedirectOptions {
  /**
   * Scheme of the Location ("http" or "https").
   *
   * @default - the request's scheme
   */
  readonly scheme?: 'http' | 'https';
  /**
   * Hostname of the Location.
   *
   * @default - the request's Host
   */
  readonly hostname?: string;
  /**
   * Path rewrite for the Location.
   *
   * @default - the request's path
   */
  readonly path?: PathModifier;
  /**
   * Port of the Location.
   *
   * @default - the listener's port, or the scheme's well-known port when scheme changes
   */
  readonly port?: number;
  /**
   * Status code: 301, 302, 303, 307 or 308.
   *
   * @default - 302
   */
  readonly statusCode?: 301 | 302 | 303 | 307 | 308;
}

export interface UrlRewriteOptions {
  /**
   * Host header to send upstream.
   *
   * @default - unchanged
   */
  readonly hostname?: string;
  /**
   * Path rewrite.
   *
   * @default - unchanged
   */
  readonly path?: PathModifier;
}

export interface RequestMirrorOptions {
  /**
   * Percentage (0-100) of requests to mirror. Give percent or fraction, not both.
   *
   * @default - 100
   */
  readonly percent?: number;
  /**
   * Fraction of requests to mirror.
   *
   * @default - all requests
   */
  readonly fraction?: { readonly numerator: number; readonly denominator?: number };
}

export interface CorsOptions {
  /**
   * Allowed origins ("https://a.example.com", "https://*.example.com" or "*").
   *
   * @default - no cross-origin requests allowed
   */
  readonly allowOrigins?: string[];
  /**
   * Whether credentials are allowed.
   *
   * @default - false
   */
  readonly allowCredentials?: boolean;
  /**
   * Allowed methods (or "*").
   *
   * @default - simple methods only
   */
  readonly allowMethods?: string[];
  /**
   * Allowed request headers (or "*").
   *
   * @default - CORS-safelisted headers only
   */
  readonly allowHeaders?: string[];
  /**
   * Response headers exposed to the page.
   *
   * @default - CORS-safelisted headers only
   */
  readonly exposeHeaders?: string[];
  /**
   * How long a preflight result may be cached (whole seconds).
   *
   * @default - 5 seconds
   */
  readonly maxAge?: Duration;
}

export interface ExternalAuthOptions {
  /**
   * Request headers sent to the auth service.
   *
   * @default - the protocol's minimum set (Host, Method, Path, Content-Length, Authorization for HTTP)
   */
  readonly allowedHeaders?: string[];
  /**
   * Bytes of request body forwarded to the auth service.
   *
   * @default - no body
   */
  readonly forwardBodyMaxSize?: number;
}

export interface HttpExternalAuthOptions extends ExternalAuthOptions {
  /**
   * Path prefix for auth requests.
   *
   * @default - the request's path
   */
  readonly path?: string;
  /**
   * Auth response headers copied onto the upstream request.
   *
   * @default - none
   */
  readonly allowedResponseHeaders?: string[];
}

/** One HTTPRoute filter (rules[].filters or backendRefs[].filters). */
export class HttpFilter implements IBackendFilter {
  /** Adds, sets or removes request headers. */
  public static requestHeaderModifier(options: HeaderModifierOptions): HttpFilter {
    return new HttpFilter('RequestHeaderModifier', () => ({ requestHeaderModifier: headerModifierToKube(options) }));
  }
  /** Adds, sets or removes response headers. */
  public static responseHeaderModifier(options: HeaderModifierOptions): HttpFilter {
    return new HttpFilter('ResponseHeaderModifier', () => ({ responseHeaderModifier: headerModifierToKube(options) }));
  }
  /** Answers with a redirect instead of forwarding. */
  public static requestRedirect(options: RequestRedirectOptions): HttpFilter {
    if (options.port !== undefined && (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535)) {
      throw new Error(`redirect port ${options.port} is invalid; use an integer between 1 and 65535`);
    }
    return new HttpFilter('RequestRedirect', () => ({
      requestRedirect: compact({ ...options, path: options.path?._toKube() }),
    }), options.path?._type);
  }
  /** Rewrites host and/or path before forwarding. */
  public static urlRewrite(options: UrlRewriteOptions): HttpFilter {
    if (!options.hostname && !options.path) throw new Error('urlRewrite changes nothing; pass hostname or path');
    return new HttpFilter('URLRewrite', () => ({ urlRewrite: compact({ hostname: options.hostname, path: options.path?._toKube() }) }), options.path?._type);
  }
  /** Sends a copy of requests to another backend; its responses are ignored. */
  public static requestMirror(backend: BackendRef, options: RequestMirrorOptions = {}): HttpFilter {
    if (options.percent !== undefined && options.fraction !== undefined) {
      throw new Error('requestMirror takes percent or fraction, not both; remove one');
    }
    if (options.percent !== undefined && (!Number.isInteger(options.percent) || options.percent < 0 || options.percent > 100)) {
      throw new Error(`requestMirror percent ${options.percent} is invalid; use an integer between 0 and 100`);
    }
    const f = options.fraction;
    if (f && (f.numerator < 0 || (f.denominator !== undefined && (f.denominator < 1 || f.numerator > f.denominator)))) {
      throw new Error(`requestMirror fraction ${f.numerator}/${f.denominator ?? 100} is invalid; need 0 <= numerator <= denominator and denominator >= 1`);
    }
    return new HttpFilter('RequestMirror', (ns) => ({
      requestMirror: compact({ backendRef: backend._toObjectRef(ns), percent: options.percent, fraction: f && compact({ ...f }) }),
    }));
  }
  /** Answers CORS preflights and adds CORS headers. */
  public static cors(options: CorsOptions): HttpFilter {
    if (options.allowCredentials && options.allowOrigins?.includes('*')) {
      throw new Error('cors allowCredentials cannot be combined with allowOrigins "*"; list the origins');
    }
    const maxAge = options.maxAge?.toSeconds();
    return new HttpFilter('CORS', () => ({
      cors: compact({
        allowOrigins: nonEmpty(options.allowOrigins), allowCredentials: options.allowCredentials,
        allowMethods: nonEmpty(options.allowMethods), allowHeaders: nonEmpty(options.allowHeaders),
        exposeHeaders: nonEmpty(options.exposeHeaders), maxAge,
      }),
    }));
  }
  /** Asks an HTTP auth service (ext_authz over HTTP) before forwarding. */
  public static externalAuthHttp(backend: BackendRef, options: HttpExternalAuthOptions = {}): HttpFilter {
    return new HttpFilter('ExternalAuth', (ns) => ({
      externalAuth: compact({
        protocol: 'HTTP', backendRef: backend._toObjectRef(ns),
        http: compact({ path: options.path, allowedHeaders: nonEmpty(options.allowedHeaders), allowedResponseHeaders: nonEmpty(options.allowedResponseHeaders) }),
        forwardBody: options.forwardBodyMaxSize !== undefined ? { maxSize: options.forwardBodyMaxSize } : undefined,
      }),
    }));
  }
  /** Asks a gRPC auth service (Envoy ext_authz protocol) before forwarding. */
  public static externalAuthGrpc(backend: BackendRef, options: ExternalAuthOptions = {}): HttpFilter {
    return new HttpFilter('ExternalAuth', (ns) => ({
      externalAuth: compact({
        protocol: 'GRPC', backendRef: backend._toObjectRef(ns),
        grpc: options.allowedHeaders ? { allowedHeaders: [...options.allowedHeaders] } : undefined,
        forwardBody: options.forwardBodyMaxSize !== undefined ? { maxSize: options.forwardBodyMaxSize } : undefined,
      }),
    }));
  }
  /** An implementation-specific filter object in the route's namespace. */
  public static extensionRef(ref: { group: string; kind: string; name: string }): HttpFilter {
    return new HttpFilter('ExtensionRef', () => ({ extensionRef: { group: ref.group, kind: ref.kind, name: ref.name } }));
  }

  private constructor(
    /** The filter type, e.g. "RequestRedirect". */
    public readonly type: string,
    private readonly render: (fromNamespace: string | undefined) => Record<string, unknown>,
    /** @internal The PathModifier type, for the rule-level PathPrefix check. */
    public readonly _pathModifier?: string,
  ) {}

  /** @internal */
  public _toKube(fromNamespace: string | undefined) {
    return { type: this.type, ...this.render(fromNamespace) };
  }
}

/** @internal Rule-level checks the CRD's CEL rules make; thrown early with the fix. */
export function checkHttpFilters(filters: readonly HttpFilter[], where: string): void {
  const types = filters.map((f) => f.type);
  if (types.includes('RequestRedirect') && types.includes('URLRewrite')) {
    throw new Error(`${where} has both requestRedirect and urlRewrite; a rule may use one of them`);
  }
  for (const once of ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite', 'CORS']) {
    if (types.filter((t) => t === once).length > 1) {
      throw new Error(`${where} has ${once} ${types.filter((t) => t === once).length} times; merge them into one filter`);
    }
  }
  if (filters.length > 16) throw new Error(`${where} has ${filters.length} filters; at most 16 are allowed`);
}
