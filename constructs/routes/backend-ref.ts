// backendRefs: where a route rule (or a mirror/auth filter) sends traffic. Factories check the
// reference against the Service they are given, so a wrong port fails at the line that set it.
import { compact, nonEmpty } from '../base.ts';

/** Anything that looks like a Service: a cdk8s-plus Service, or a small object you write. */
export interface IServiceLike {
  /** metadata.name of the Service. */
  readonly name: string;
  /**
   * Metadata; its namespace is the backend's namespace.
   *
   * @default - the route's namespace
   */
  readonly metadata?: { readonly namespace?: string };
  /**
   * The ports the Service exposes; when known, backend ports are checked against them.
   *
   * @default - unknown (the port must then be given)
   */
  readonly ports?: ReadonlyArray<{ readonly port: number }>;
}

/** A filter that can sit on a backendRef (HttpFilter, GrpcFilter). */
export interface IBackendFilter {
  /** @internal */
  _toKube(fromNamespace: string | undefined): unknown;
}

export interface BackendRefOptions {
  /**
   * Relative share of traffic among the rule's backendRefs (0-1000000).
   *
   * @default - 1
   */
  readonly weight?: number;
  /**
   * Filters applied only when this backend is chosen (HTTPRoute/GRPCRoute).
   *
   * @default - none
   */
  readonly filters?: IBackendFilter[];
}

export interface ServiceBackendOptions extends BackendRefOptions {
  /**
   * Service port to send to.
   *
   * @default - the Service's only port; required if it exposes several
   */
  readonly port?: number;
}

export interface NamedBackendOptions extends BackendRefOptions {
  /**
   * Namespace of the backend; a different namespace than the route needs a ReferenceGrant.
   *
   * @default - the route's namespace
   */
  readonly namespace?: string;
  /**
   * Port; required for kind Service.
   *
   * @default - none (only valid for kinds other than Service)
   */
  readonly port?: number;
  /**
   * Kind of the backend object.
   *
   * @default - Service
   */
  readonly kind?: string;
  /**
   * API group of the backend object.
   *
   * @default - "" (core)
   */
  readonly group?: string;
}

/** One entry of backendRefs (or the backendRef of a mirror/externalAuth filter). */
export class BackendRef {
  /** A Service defined in the app (or Service-like); the port is checked against its ports. */
  public static fromService(service: IServiceLike, options: ServiceBackendOptions = {}): BackendRef {
    const ports = service.ports?.map((p) => p.port);
    let port = options.port;
    if (ports && ports.length > 0) {
      if (port === undefined) {
        if (ports.length > 1) throw new Error(`service exposes ports ${ports.join(',')}; pass the port the backend should use`);
        port = ports[0];
      } else if (!ports.includes(port)) {
        throw new Error(`service exposes ports ${ports.join(',')} but backend is defined to use port ${port}`);
      }
    } else if (port === undefined) {
      throw new Error(`service "${service.name}" exposes no ports; pass the port the backend should use`);
    }
    return new BackendRef(service.name, { ...options, port, namespace: service.metadata?.namespace });
  }

  /** A backend by name; it may live outside this app (validation then warns and assumes it exists). */
  public static fromName(name: string, options: NamedBackendOptions = {}): BackendRef {
    return new BackendRef(name, options);
  }

  public readonly name: string;
  public readonly namespace?: string;
  public readonly port?: number;
  public readonly weight?: number;
  /** Kind ("Service" unless set). */
  public readonly kind: string;
  /** API group ("" unless set). */
  public readonly group: string;
  private readonly filters: IBackendFilter[];

  private constructor(name: string, options: NamedBackendOptions) {
    this.name = name;
    this.namespace = options.namespace;
    this.port = options.port;
    this.weight = options.weight;
    this.kind = options.kind ?? 'Service';
    this.group = options.group ?? '';
    this.filters = options.filters ?? [];
    if (this.kind === 'Service' && this.group === '' && this.port === undefined) {
      throw new Error(`backend "${name}" is a Service but has no port; pass port`);
    }
    if (this.port !== undefined && (!Number.isInteger(this.port) || this.port < 1 || this.port > 65535)) {
      throw new Error(`backend "${name}" has port ${this.port}; use an integer between 1 and 65535`);
    }
    if (this.weight !== undefined && (!Number.isInteger(this.weight) || this.weight < 0 || this.weight > 1_000_000)) {
      throw new Error(`backend "${name}" has weight ${this.weight}; use an integer between 0 and 1000000`);
    }
  }

  /** @internal The plain object reference (no weight or filters), as written from `fromNamespace`. */
  public _toObjectRef(fromNamespace: string | undefined) {
    return compact({
      group: this.group === '' ? undefined : this.group,
      kind: this.kind === 'Service' ? undefined : this.kind,
      name: this.name,
      namespace: this.namespace && this.namespace !== fromNamespace ? this.namespace : undefined,
      port: this.port,
    });
  }

  /** @internal */
  public _toKube(fromNamespace: string | undefined) {
    return compact({
      ...this._toObjectRef(fromNamespace),
      weight: this.weight,
      filters: nonEmpty(this.filters.map((f) => f._toKube(fromNamespace))),
    });
  }
}
