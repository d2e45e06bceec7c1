// Gateway: listeners bound to addresses, owned by the platform. Routes attach to the Gateway or
// to one listener (`gateway.listener('https')`); other repos attach via fromGatewayAttributes().
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import type { Gateway as GatewayManifest, ParentReference } from '../gateway/model/index.ts';
import { gateways } from './imports/index.ts';
import { compact, GATEWAY_GROUP, nonEmpty, ResourceProps, chartNamespace } from './base.ts';
import type { IGatewayClass } from './gateway-class.ts';
import {
  CertificateRef, checkListener, FromNamespaces, GatewayListener, IRouteParent, LabelSelector, ListenerHolderBase, ListenerOptions,
  parentRefTo,
} from './listener.ts';

/** A Gateway defined in this app or imported from the repo that owns it. */
export interface IGateway extends IRouteParent {
  /** metadata.name */
  readonly name: string;
  /** metadata.namespace (undefined only for a Gateway in a chart without a namespace). */
  readonly namespace?: string;
  /** Always "Gateway". */
  readonly kind: string;
  /** Every listener currently declared (or, for imports, declared in the attributes). */
  readonly listeners: GatewayListener[];
  /** The listener named `name`; throws if there is none. */
  listener(name: string): GatewayListener;
}

/** spec.addresses[]: a requested address. */
export class GatewayAddress {
  /** An IP address (type IPAddress). */
  public static ipAddress(value: string): GatewayAddress {
    return new GatewayAddress('IPAddress', value);
  }
  /** A DNS name (type Hostname). */
  public static hostname(value: string): GatewayAddress {
    return new GatewayAddress('Hostname', value);
  }
  /** An implementation-specific address type (domain-prefixed). */
  public static custom(type: string, value?: string): GatewayAddress {
    return new GatewayAddress(type, value);
  }
  private constructor(public readonly type: string, public readonly value?: string) {}
  /** @internal */
  public _toKube() {
    return compact({ type: this.type, value: this.value });
  }
}

/** spec.allowedListeners: which namespaces may attach ListenerSets. */
export interface AllowedListeners {
  /** Namespaces whose ListenerSets may attach (from None, Same, All or Selector). */
  readonly namespaces: { readonly from: FromNamespaces; readonly selector?: LabelSelector };
}

/** spec.infrastructure: labels/annotations for generated resources and a parameters object. */
export interface GatewayInfrastructure {
  /**
   * Labels to put on resources the implementation creates for this Gateway.
   *
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Annotations to put on resources the implementation creates for this Gateway.
   *
   * @default - none
   */
  readonly annotations?: Record<string, string>;
  /**
   * Implementation-specific parameters object in the Gateway's namespace.
   *
   * @default - none
   */
  readonly parametersRef?: { readonly group: string; readonly kind: string; readonly name: string };
}

export interface GatewayOptions extends ResourceProps {
  /**
   * Listeners. You can also add listeners later with addListener().
   *
   * @default - none; add at least one before synth
   */
  readonly listeners?: ListenerOptions[];
  /**
   * spec.addresses: requested addresses.
   *
   * @default - the implementation assigns addresses
   */
  readonly addresses?: GatewayAddress[];
  /**
   * spec.infrastructure.
   *
   * @default - none
   */
  readonly infrastructure?: GatewayInfrastructure;
  /**
   * spec.allowedListeners: which namespaces may attach ListenerSets.
   *
   * @default - None (no ListenerSet may attach)
   */
  readonly allowedListeners?: AllowedListeners;
  /**
   * spec.tls.backend.clientCertificateRef: the client certificate the gateway presents to backends.
   *
   * @default - no client certificate
   */
  readonly backendClientCertificateRef?: CertificateRef;
  /**
   * spec.tls.frontend.default.validation.caCertificateRefs: CA bundles for client certificate validation.
   *
   * @default - clients are not asked for certificates
   */
  readonly frontendCaCertificateRefs?: CertificateRef[];
}

export interface GatewayProps extends GatewayOptions {
  /** The GatewayClass (spec.gatewayClassName). */
  readonly gatewayClass: IGatewayClass;
}

/** Attributes of a Gateway owned by another repo. */
export interface GatewayAttributes {
  /** metadata.name */
  readonly name: string;
  /** metadata.namespace */
  readonly namespace: string;
  /**
   * The listeners the owner declares, so validation can judge attachment, hostnames and tenancy.
   *
   * @default - none known (routes can only attach to the whole Gateway)
   */
  readonly listeners?: ListenerOptions[];
  /**
   * spec.gatewayClassName, used for the stand-in object validation builds.
   *
   * @default - a class controlled by the validating controller
   */
  readonly gatewayClassName?: string;
}

function findListener(owner: string, listeners: readonly GatewayListener[], name: string): GatewayListener {
  const l = listeners.find((x) => x.name === name);
  if (!l) {
    const names = listeners.map((x) => x.name).join(',') || '(none)';
    throw new Error(`${owner} has no listener "${name}" (listeners: ${names}); use one of them or add it with addListener()`);
  }
  return l;
}

/**
 * @internal A Gateway known only by its attributes. Validation synthesizes a stand-in from it
 * (not written to the output) so routes attached to it are still checked.
 */
export class ImportedGateway extends Construct implements IGateway {
  public readonly kind = 'Gateway';
  public readonly name: string;
  public readonly namespace: string;
  public readonly listeners: GatewayListener[];
  public readonly gatewayClassName?: string;

  public constructor(scope: Construct, id: string, attrs: GatewayAttributes) {
    super(scope, id);
    this.name = attrs.name;
    this.namespace = attrs.namespace;
    this.gatewayClassName = attrs.gatewayClassName;
    const seen: ListenerOptions[] = [];
    for (const l of attrs.listeners ?? []) { checkListener(l, seen); seen.push(l); }
    this.listeners = seen.map((l) => new GatewayListener(this, l));
  }

  public listener(name: string): GatewayListener {
    return findListener(`imported gateway ${this.namespace}/${this.name}`, this.listeners, name);
  }

  /** @internal */
  public _toParentRef(fromNamespace: string | undefined): ParentReference {
    return parentRefTo(this, fromNamespace);
  }

  /** @internal The stand-in manifest validation adds to its snapshot. */
  public _standIn(gatewayClassName: string): GatewayManifest {
    return {
      apiVersion: `${GATEWAY_GROUP}/v1`, kind: 'Gateway',
      metadata: { name: this.name, namespace: this.namespace },
      spec: { gatewayClassName: this.gatewayClassName ?? gatewayClassName, listeners: this.listeners.map((l) => l._toKube()) },
    };
  }
}

/**
 * Declares a Gateway. Listeners come from props.listeners and addListener(); both take the
 * same ListenerOptions and are checked eagerly.
 */
export class Gateway extends ListenerHolderBase implements IGateway {
  /** Refers to a Gateway owned by another repo; nothing is synthesized for it. */
  public static fromGatewayAttributes(scope: Construct, id: string, attrs: GatewayAttributes): IGateway {
    return new ImportedGateway(scope, id, attrs);
  }

  public readonly apiObject: gateways.Gateway;
  public readonly kind = 'Gateway';
  public readonly gatewayClass: IGatewayClass;
  private readonly props: GatewayProps;

  public constructor(scope: Construct, id: string, props: GatewayProps) {
    super(scope, id);
    this.props = props;
    this.gatewayClass = props.gatewayClass;
    this.apiObject = new gateways.Gateway(this, 'Resource', {
      metadata: { ...props.metadata, namespace: props.metadata?.namespace ?? chartNamespace(this) },
      spec: Lazy.any({ produce: () => this.synthSpec() }) as any,
    });
    this._applyListeners(props.listeners, 'gateway');
  }

  /** The listener named `name`; throws if there is none. */
  public listener(name: string): GatewayListener {
    return findListener(`gateway ${this.name}`, this._listeners, name);
  }

  /** spec.infrastructure as declared (GatewayRuntime puts its labels and annotations on what it generates). */
  public get infrastructure(): GatewayInfrastructure | undefined {
    return this.props.infrastructure;
  }

  private synthSpec() {
    const ns = this.namespace;
    const p = this.props;
    const frontend = nonEmpty(p.frontendCaCertificateRefs?.map((c) => c._toKubeExplicit(ns)));
    const tls = frontend || p.backendClientCertificateRef ? compact({
      frontend: frontend && { default: { validation: { caCertificateRefs: frontend } } },
      backend: p.backendClientCertificateRef && { clientCertificateRef: p.backendClientCertificateRef._toKube(ns) },
    }) : undefined;
    return compact({
      gatewayClassName: this.gatewayClass.name,
      listeners: this._listeners.map((l) => l._toKube()),
      addresses: nonEmpty(p.addresses?.map((a) => a._toKube())),
      infrastructure: p.infrastructure && compact({ ...p.infrastructure }),
      allowedListeners: p.allowedListeners && { namespaces: compact({ ...p.allowedListeners.namespaces }) },
      tls,
    });
  }
}
