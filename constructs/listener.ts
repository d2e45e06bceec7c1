// Listener options shared by Gateway and ListenerSet, the typed listener handle routes attach
// to, and the eager checks that catch listener mistakes at the line that made them.
import type { Listener, ParentReference } from '../gateway/model/index.ts';
import { compact, GATEWAY_GROUP, nonEmpty, Resource } from './base.ts';

/** spec.listeners[].protocol. Implementation-specific protocols are domain-prefixed strings. */
export enum ListenerProtocol {
  HTTP = 'HTTP',
  HTTPS = 'HTTPS',
  TLS = 'TLS',
  TCP = 'TCP',
  UDP = 'UDP',
}

/** spec.listeners[].tls.mode. */
export enum TlsMode {
  /** The gateway terminates TLS with the listener's certificateRefs. */
  TERMINATE = 'Terminate',
  /** The gateway routes on SNI and forwards the encrypted stream (TLSRoute only). */
  PASSTHROUGH = 'Passthrough',
}

/** allowedRoutes.namespaces.from / allowedListeners.namespaces.from. */
export enum FromNamespaces {
  ALL = 'All',
  SAME = 'Same',
  SELECTOR = 'Selector',
  /** Only valid for Gateway allowedListeners (its default). */
  NONE = 'None',
}

/** A Kubernetes label selector. */
export interface LabelSelector {
  /**
   * Labels that must all match.
   *
   * @default - no label equality requirements
   */
  readonly matchLabels?: Record<string, string>;
  /**
   * Set-based requirements.
   *
   * @default - no expression requirements
   */
  readonly matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/** Which namespaces may attach routes (or listener sets). */
export interface RouteNamespaces {
  /** All, Same, Selector (or None for allowedListeners). */
  readonly from: FromNamespaces;
  /**
   * Namespace label selector; required when from is Selector.
   *
   * @default - no selector
   */
  readonly selector?: LabelSelector;
}

/** A route kind a listener accepts. */
export interface RouteGroupKind {
  /**
   * API group of the route kind.
   *
   * @default - gateway.networking.k8s.io
   */
  readonly group?: string;
  /** Kind, e.g. "HTTPRoute". */
  readonly kind: string;
}

/** Constants for the route kinds Portico serves. */
export class RouteKind {
  public static readonly HTTP_ROUTE: RouteGroupKind = { kind: 'HTTPRoute' };
  public static readonly GRPC_ROUTE: RouteGroupKind = { kind: 'GRPCRoute' };
  public static readonly TLS_ROUTE: RouteGroupKind = { kind: 'TLSRoute' };
  public static readonly TCP_ROUTE: RouteGroupKind = { kind: 'TCPRoute' };
  public static readonly UDP_ROUTE: RouteGroupKind = { kind: 'UDPRoute' };
  private constructor() {}
}

/** listeners[].allowedRoutes. */
export interface AllowedRoutes {
  /**
   * Namespaces whose routes may attach. Tenancy: pass `tenant.routeNamespaces()`.
   *
   * @default - Same (only routes in the Gateway's namespace)
   */
  readonly namespaces?: RouteNamespaces;
  /**
   * Route kinds that may attach.
   *
   * @default - every kind compatible with the protocol
   */
  readonly kinds?: RouteGroupKind[];
}

/** A Secret holding a certificate (or CA bundle), referenced by a listener or policy. */
export class CertificateRef {
  /** A Secret construct (cdk8s-plus Secret or anything with a name and metadata.namespace). */
  public static fromSecret(secret: { readonly name: string; readonly metadata?: { readonly namespace?: string } }): CertificateRef {
    return new CertificateRef(secret.name, secret.metadata?.namespace, '', 'Secret');
  }

  /** A Secret (or another kind, with `kind`/`group`) by name; it may live outside this app. */
  public static fromName(name: string, options: { namespace?: string; kind?: string; group?: string } = {}): CertificateRef {
    return new CertificateRef(name, options.namespace, options.group ?? '', options.kind ?? 'Secret');
  }

  private constructor(
    public readonly name: string,
    public readonly namespace: string | undefined,
    public readonly group: string,
    public readonly kind: string,
  ) {}

  /** @internal With group and kind spelled out, for fields where the CRD requires them. */
  public _toKubeExplicit(fromNamespace: string | undefined) {
    return compact({
      group: this.group,
      kind: this.kind,
      name: this.name,
      namespace: this.namespace && this.namespace !== fromNamespace ? this.namespace : undefined,
    });
  }

  /** @internal The reference as written from an object in `fromNamespace`. */
  public _toKube(fromNamespace: string | undefined) {
    return compact({
      group: this.group === '' ? undefined : this.group,
      kind: this.kind === 'Secret' ? undefined : this.kind,
      name: this.name,
      namespace: this.namespace && this.namespace !== fromNamespace ? this.namespace : undefined,
    });
  }
}

/** listeners[].tls. */
export interface ListenerTls {
  /**
   * Terminate or Passthrough.
   *
   * @default - Terminate
   */
  readonly mode?: TlsMode;
  /**
   * Certificates served when terminating. Required for HTTPS and for TLS with mode Terminate.
   *
   * @default - none (only valid for Passthrough)
   */
  readonly certificateRefs?: CertificateRef[];
  /**
   * Implementation-specific TLS options (tls.options).
   *
   * @default - none
   */
  readonly options?: Record<string, string>;
}

/** One listener: what Gateway.addListener() and ListenerSet.addListener() take. */
export interface ListenerOptions {
  /** Unique name within the Gateway (or ListenerSet); routes use it as sectionName. */
  readonly name: string;
  /** Port number, 1-65535. */
  readonly port: number;
  /** HTTP, HTTPS, TLS, TCP, UDP. */
  readonly protocol: ListenerProtocol;
  /**
   * Hostname (may start with "*.") the listener accepts. Not allowed for TCP and UDP.
   *
   * @default - every hostname
   */
  readonly hostname?: string;
  /**
   * TLS settings, required for HTTPS and TLS listeners.
   *
   * @default - no TLS (HTTP, TCP, UDP)
   */
  readonly tls?: ListenerTls;
  /**
   * Which routes may attach.
   *
   * @default - routes from the same namespace, of every kind the protocol supports
   */
  readonly allowedRoutes?: AllowedRoutes;
}

/** The object a listener belongs to: a Gateway or a ListenerSet. */
export interface IListenerParent {
  /** "Gateway" or "ListenerSet". */
  readonly kind: string;
  /** metadata.name of the parent. */
  readonly name: string;
  /** metadata.namespace of the parent. */
  readonly namespace?: string;
}

/** Something a route can name in spec.parentRefs: a Gateway, a ListenerSet, or one listener. */
export interface IRouteParent {
  /** @internal The parentRef as written from a route in `fromNamespace`. */
  _toParentRef(fromNamespace: string | undefined): ParentReference;
}

/** A typed handle on one listener (`gateway.listener('https')`), usable as a route parent. */
export class GatewayListener implements IRouteParent {
  /** @internal */
  public constructor(
    /** The Gateway or ListenerSet declaring this listener. */
    public readonly parent: IListenerParent,
    /** The listener options it was declared with. */
    public readonly options: ListenerOptions,
  ) {}

  public get name(): string { return this.options.name; }
  public get port(): number { return this.options.port; }
  public get protocol(): ListenerProtocol { return this.options.protocol; }
  public get hostname(): string | undefined { return this.options.hostname; }

  /** @internal */
  public _toParentRef(fromNamespace: string | undefined): ParentReference {
    return parentRefTo(this.parent, fromNamespace, this.options.name);
  }

  /** @internal The listener as synthesized inside `fromNamespace` (its parent's namespace). */
  public _toKube(): Listener {
    return listenerToKube(this.options, this.parent.namespace);
  }
}

/** Base of Gateway and ListenerSet: both hold eagerly checked listeners in declaration order. */
export abstract class ListenerHolderBase extends Resource implements IRouteParent {
  /** @internal Declaration order is kept: it is meaningful to readers, and names are unique. */
  protected readonly _listeners: GatewayListener[] = [];

  public get listeners(): GatewayListener[] {
    return [...this._listeners];
  }

  /** Adds a listener and returns its handle (usable as a route parent). */
  public addListener(options: ListenerOptions): GatewayListener {
    checkListener(options, this._listeners.map((l) => l.options));
    const handle = new GatewayListener(this, options);
    this._listeners.push(handle);
    return handle;
  }

  /** @internal */
  public _toParentRef(fromNamespace: string | undefined): ParentReference {
    return parentRefTo(this, fromNamespace);
  }

  /** @internal Call once the API object exists; `what` names the holder in the no-listeners error. */
  protected _applyListeners(listeners: readonly ListenerOptions[] | undefined, what: string): void {
    for (const l of listeners ?? []) this.addListener(l);
    this.node.addValidation({ validate: () => (this._listeners.length === 0 ? [`${what} has no listeners; pass listeners or call addListener()`] : []) });
  }
}

/** @internal A parentRef to a Gateway or ListenerSet, namespace only when it differs. */
export function parentRefTo(parent: IListenerParent, fromNamespace: string | undefined, sectionName?: string): ParentReference {
  return compact({
    group: parent.kind === 'Gateway' ? undefined : GATEWAY_GROUP,
    kind: parent.kind === 'Gateway' ? undefined : parent.kind,
    namespace: parent.namespace && parent.namespace !== fromNamespace ? parent.namespace : undefined,
    name: parent.name,
    sectionName,
  }) as ParentReference;
}

function listenerToKube(o: ListenerOptions, namespace: string | undefined): Listener {
  const tls = o.tls && compact({
    mode: o.tls.mode,
    certificateRefs: nonEmpty(o.tls.certificateRefs?.map((c) => c._toKube(namespace))),
    options: o.tls.options && Object.keys(o.tls.options).length > 0 ? sortKeys(o.tls.options) : undefined,
  });
  const allowedRoutes = o.allowedRoutes && compact({
    namespaces: o.allowedRoutes.namespaces && compact({ from: o.allowedRoutes.namespaces.from, selector: o.allowedRoutes.namespaces.selector }),
    kinds: nonEmpty(o.allowedRoutes.kinds?.map((k) => compact({ group: k.group, kind: k.kind }))),
  });
  return compact({ name: o.name, hostname: o.hostname, port: o.port, protocol: o.protocol, tls, allowedRoutes }) as Listener;
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const SECTION_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** @internal Throws on listener mistakes the API server (or Portico) would reject. */
export function checkListener(o: ListenerOptions, existing: readonly ListenerOptions[]): void {
  const where = `listener "${o.name}"`;
  if (!SECTION_NAME.test(o.name) || o.name.length > 253) {
    throw new Error(`listener name "${o.name}" is not a valid section name; use lowercase letters, digits and '-'`);
  }
  if (existing.some((l) => l.name === o.name)) {
    throw new Error(`there is already a listener named "${o.name}"; listener names must be unique`);
  }
  if (existing.length >= 64) throw new Error(`${where} would be the 65th listener; a Gateway or ListenerSet holds at most 64`);
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) {
    throw new Error(`${where} has port ${o.port}; use an integer between 1 and 65535`);
  }
  if (o.hostname !== undefined) {
    if (o.protocol === ListenerProtocol.TCP || o.protocol === ListenerProtocol.UDP) {
      throw new Error(`${where} sets hostname "${o.hostname}" but protocol ${o.protocol} has no hostnames; remove hostname`);
    }
    if (!HOSTNAME.test(o.hostname)) {
      throw new Error(`${where} has hostname "${o.hostname}", which is not a lowercase DNS name (optionally "*." prefixed); fix the hostname`);
    }
  }
  const mode = o.tls?.mode ?? TlsMode.TERMINATE;
  const certs = o.tls?.certificateRefs ?? [];
  if (o.protocol === ListenerProtocol.HTTPS || o.protocol === ListenerProtocol.TLS) {
    if (o.protocol === ListenerProtocol.HTTPS && mode === TlsMode.PASSTHROUGH) {
      throw new Error(`${where} uses HTTPS with mode Passthrough; use protocol TLS for passthrough`);
    }
    if (mode === TlsMode.TERMINATE && certs.length === 0 && !o.tls?.options) {
      throw new Error(`${where} has no certificateRefs; pass tls.certificateRefs or use protocol TLS with mode Passthrough`);
    }
  } else if (o.tls) {
    throw new Error(`${where} sets tls but protocol ${o.protocol} does not use it; remove tls or use HTTPS/TLS`);
  }
  if (o.allowedRoutes?.namespaces?.from === FromNamespaces.SELECTOR && !o.allowedRoutes.namespaces.selector) {
    throw new Error(`${where} allows routes from Selector namespaces but has no selector; pass allowedRoutes.namespaces.selector`);
  }
  if (o.allowedRoutes?.namespaces?.from === FromNamespaces.NONE) {
    throw new Error(`${where} sets allowedRoutes.namespaces.from to None, which routes do not support; use Same, All or Selector`);
  }
}
