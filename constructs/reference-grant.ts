// ReferenceGrant: the target namespace's explicit consent to references from another namespace.
// No silent auto-grants: ReferenceGrant.allow() is the one-line way to create one on purpose.
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { referencegrants } from './imports/index.ts';
import { compact, GATEWAY_GROUP, Resource, ResourceProps, sortedBy } from './base.ts';

/** spec.from[]: who may refer. */
export interface ReferenceGrantFrom {
  /**
   * API group of the referring kind.
   *
   * @default - gateway.networking.k8s.io
   */
  readonly group?: string;
  /** Kind of the referring object, e.g. "HTTPRoute" or "Gateway". */
  readonly kind: string;
  /** Namespace of the referring objects. */
  readonly namespace: string;
}

/** spec.to[]: what may be referred to (in the grant's own namespace). */
export interface ReferenceGrantTo {
  /**
   * API group of the target kind.
   *
   * @default - "" (core)
   */
  readonly group?: string;
  /** Kind, e.g. "Service" or "Secret". */
  readonly kind: string;
  /**
   * Only this object may be referred to.
   *
   * @default - every object of the kind in the namespace
   */
  readonly name?: string;
}

export interface ReferenceGrantProps extends ResourceProps {
  /** Referrers allowed (at most 16). */
  readonly from: ReferenceGrantFrom[];
  /** Targets allowed (at most 16). */
  readonly to: ReferenceGrantTo[];
}

/** The referring side of ReferenceGrant.allow(): a route, Gateway, ListenerSet, policy. */
export interface IGrantFrom {
  /** Kind of the referrer, e.g. "HTTPRoute". */
  readonly kind: string;
  /** Namespace of the referrer (required at grant time). */
  readonly namespace?: string;
  /**
   * API group of the referrer.
   *
   * @default - gateway.networking.k8s.io
   */
  readonly apiGroup?: string;
}

/**
 * The referred side of ReferenceGrant.allow(): a cdk8s-plus Service or Secret, a BackendRef, a
 * CertificateRef, or any object with a name, kind and namespace.
 */
export interface IGrantTo {
  /** Name of the target (granted by name unless allowAllOfKind). */
  readonly name: string;
  /** Kind of the target, e.g. "Service" or "Secret". */
  readonly kind: string;
  /**
   * cdk8s-plus style group ("core" or "" for core).
   *
   * @default - group, else ""
   */
  readonly apiGroup?: string;
  /**
   * BackendRef/CertificateRef style group.
   *
   * @default - "" (core)
   */
  readonly group?: string;
  /**
   * Namespace of the target (BackendRef/CertificateRef style).
   *
   * @default - metadata.namespace
   */
  readonly namespace?: string;
  /**
   * Metadata of the target (cdk8s-plus style).
   *
   * @default - namespace must be given directly
   */
  readonly metadata?: { readonly namespace?: string };
}

export interface AllowOptions extends ResourceProps {
  /** The object that refers (its kind and namespace are granted). */
  readonly from: IGrantFrom;
  /** The object referred to; the grant is created in its namespace. */
  readonly to: IGrantTo;
  /**
   * Grant every object of the target's kind instead of just this one.
   *
   * @default - false (only `to` by name)
   */
  readonly allowAllOfKind?: boolean;
}

function coreAsEmpty(group: string): string {
  return group === 'core' ? '' : group;
}

/** Declares a ReferenceGrant. */
export class ReferenceGrant extends Resource {
  /** Lets `from` (e.g. a route) refer to `to` (e.g. a Service in another namespace). */
  public static allow(scope: Construct, id: string, options: AllowOptions): ReferenceGrant {
    const toNs = options.to.namespace ?? options.to.metadata?.namespace;
    if (!toNs) throw new Error(`cannot grant access to ${options.to.kind} "${options.to.name}" without knowing its namespace; give it a namespace`);
    if (!options.from.namespace) throw new Error(`cannot grant access from ${options.from.kind} without a namespace; give it a namespace`);
    if (toNs === options.from.namespace) {
      throw new Error(`${options.from.kind} and ${options.to.kind} "${options.to.name}" are both in namespace "${toNs}"; a ReferenceGrant is only needed across namespaces`);
    }
    return new ReferenceGrant(scope, id, {
      metadata: { ...options.metadata, namespace: toNs },
      from: [{ group: options.from.apiGroup ?? GATEWAY_GROUP, kind: options.from.kind, namespace: options.from.namespace }],
      // cdk8s-plus calls the core group "core"; Gateway API spells it "".
      to: [{ group: coreAsEmpty(options.to.apiGroup ?? options.to.group ?? ''), kind: options.to.kind, name: options.allowAllOfKind ? undefined : options.to.name }],
    });
  }

  public readonly apiObject: referencegrants.ReferenceGrant;
  public readonly kind = 'ReferenceGrant';

  public constructor(scope: Construct, id: string, props: ReferenceGrantProps) {
    super(scope, id);
    if (props.from.length === 0 || props.to.length === 0) throw new Error('a ReferenceGrant needs at least one from and one to entry');
    if (props.from.length > 16 || props.to.length > 16) throw new Error('a ReferenceGrant holds at most 16 from and 16 to entries; split it');
    this.apiObject = new referencegrants.ReferenceGrant(this, 'Resource', {
      metadata: props.metadata,
      spec: Lazy.any({
        produce: () => ({
          from: sortedBy(props.from, (f) => `${f.namespace}/${f.group ?? GATEWAY_GROUP}/${f.kind}`)
            .map((f) => ({ group: f.group ?? GATEWAY_GROUP, kind: f.kind, namespace: f.namespace })),
          to: sortedBy(props.to, (t) => `${t.group ?? ''}/${t.kind}/${t.name ?? ''}`)
            .map((t) => compact({ group: t.group ?? '', kind: t.kind, name: t.name })),
        }),
      }) as any,
    });
  }
}
