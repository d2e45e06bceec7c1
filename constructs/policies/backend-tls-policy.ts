// BackendTLSPolicy: how the gateway speaks TLS to a Service (CA to trust, hostname to verify).
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { backendtlspolicies } from '../imports/index.ts';
import { compact, nonEmpty, Resource, ResourceProps } from '../base.ts';
import type { CertificateRef } from '../listener.ts';
import type { IServiceLike } from '../routes/backend-ref.ts';

/** spec.targetRefs[]: the Service (optionally one port, by name) the policy applies to. */
export class PolicyTargetRef {
  /** A Service; `sectionName` narrows the policy to one named port. */
  public static fromService(service: IServiceLike, options: { sectionName?: string } = {}): PolicyTargetRef {
    return new PolicyTargetRef('', 'Service', service.name, options.sectionName);
  }
  /** Any target kind by name (in the policy's namespace). */
  public static fromName(name: string, options: { kind?: string; group?: string; sectionName?: string } = {}): PolicyTargetRef {
    return new PolicyTargetRef(options.group ?? '', options.kind ?? 'Service', name, options.sectionName);
  }
  private constructor(
    public readonly group: string,
    public readonly kind: string,
    public readonly name: string,
    public readonly sectionName?: string,
  ) {}
  /** @internal */
  public _toKube() {
    return compact({ group: this.group, kind: this.kind, name: this.name, sectionName: this.sectionName });
  }
}

/** validation.subjectAltNames[] */
export class SubjectAltName {
  public static hostname(hostname: string): SubjectAltName {
    return new SubjectAltName({ type: 'Hostname', hostname });
  }
  public static uri(uri: string): SubjectAltName {
    return new SubjectAltName({ type: 'URI', uri });
  }
  private constructor(private readonly spec: { type: string; hostname?: string; uri?: string }) {}
  /** @internal */
  public _toKube() {
    return { ...this.spec };
  }
}

export interface BackendTlsPolicyOptions extends ResourceProps {
  /**
   * validation.caCertificateRefs: ConfigMaps/Secrets (same namespace) holding the CA bundle.
   * Give this or useSystemCertificates.
   *
   * @default - none
   */
  readonly caCertificateRefs?: CertificateRef[];
  /**
   * validation.wellKnownCACertificates: "System" — trust the platform's CA store.
   *
   * @default - false
   */
  readonly useSystemCertificates?: boolean;
  /**
   * validation.subjectAltNames: names to accept instead of hostname.
   *
   * @default - the certificate must match hostname
   */
  readonly subjectAltNames?: SubjectAltName[];
  /**
   * Implementation-specific options.
   *
   * @default - none
   */
  readonly options?: Record<string, string>;
}

export interface BackendTlsPolicyProps extends BackendTlsPolicyOptions {
  /** Services (or ports) the policy applies to. */
  readonly targetRefs: PolicyTargetRef[];
  /** validation.hostname: the SNI sent and the name the certificate must carry. */
  readonly hostname: string;
}

/** Declares a BackendTLSPolicy. */
export class BackendTlsPolicy extends Resource {
  public readonly apiObject: backendtlspolicies.BackendTlsPolicy;
  public readonly kind = 'BackendTLSPolicy';

  public constructor(scope: Construct, id: string, props: BackendTlsPolicyProps) {
    super(scope, id);
    const cas = props.caCertificateRefs ?? [];
    if ((cas.length > 0) === Boolean(props.useSystemCertificates)) {
      throw new Error('backend tls policy needs exactly one of caCertificateRefs or useSystemCertificates; pass one of them');
    }
    if (props.targetRefs.length === 0) throw new Error('backend tls policy has no targetRefs; pass at least one');
    if (cas.some((c) => c.namespace)) {
      throw new Error('backend tls policy caCertificateRefs must be in the policy\'s namespace; remove namespace from the ref');
    }
    this.apiObject = new backendtlspolicies.BackendTlsPolicy(this, 'Resource', {
      metadata: props.metadata,
      spec: Lazy.any({
        produce: () => compact({
          targetRefs: props.targetRefs.map((t) => t._toKube()),
          validation: compact({
            // The L1 spells this key wellKnownCaCertificates and renames it on output.
            caCertificateRefs: nonEmpty(cas.map((c) => ({ group: c.group, kind: c.kind, name: c.name }))),
            wellKnownCaCertificates: props.useSystemCertificates ? 'System' : undefined,
            hostname: props.hostname,
            subjectAltNames: nonEmpty(props.subjectAltNames?.map((s) => s._toKube())),
          }),
          options: props.options && Object.keys(props.options).length > 0 ? props.options : undefined,
        }),
      }) as any,
    });
  }
}
