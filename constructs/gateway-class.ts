// GatewayClass: the cluster-scoped binding of Gateways to a controller (here, Portico).
import { JsonPatch, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { gatewayclasses } from './imports/index.ts';
import { compact, Resource, ResourceProps } from './base.ts';

/** The controller name Portico's gateway runtime answers to. */
export const PORTICO_CONTROLLER_NAME = 'portico.dev/gateway-controller';

/** A GatewayClass defined in this app or imported by name. */
export interface IGatewayClass extends IConstruct {
  /** metadata.name, the value Gateways put in spec.gatewayClassName. */
  readonly name: string;
}

/** Reference to a parameters object for the controller. */
export interface GatewayClassParametersRef {
  /** API group of the parameters object ("" for core). */
  readonly group: string;
  /** Kind of the parameters object, e.g. "ConfigMap". */
  readonly kind: string;
  /** Name of the parameters object. */
  readonly name: string;
  /**
   * Namespace of the parameters object, for namespaced kinds.
   *
   * @default - cluster-scoped parameters object
   */
  readonly namespace?: string;
}

export interface GatewayClassProps extends ResourceProps {
  /**
   * spec.controllerName: the controller that manages Gateways of this class.
   *
   * @default - PORTICO_CONTROLLER_NAME ("portico.dev/gateway-controller")
   */
  readonly controllerName?: string;
  /**
   * spec.description.
   *
   * @default - no description
   */
  readonly description?: string;
  /**
   * spec.parametersRef: controller-specific configuration.
   *
   * @default - no parameters
   */
  readonly parametersRef?: GatewayClassParametersRef;
}

class ImportedGatewayClass extends Construct implements IGatewayClass {
  public constructor(scope: Construct, id: string, public readonly name: string) {
    super(scope, id);
  }
}

/** Declares a GatewayClass (cluster-scoped). Platform-owned: tenants may not declare one. */
export class GatewayClass extends Resource implements IGatewayClass {
  /** References a GatewayClass that exists in the cluster but is not defined by this app. */
  public static fromGatewayClassName(scope: Construct, id: string, name: string): IGatewayClass {
    return new ImportedGatewayClass(scope, id, name);
  }

  public readonly apiObject: gatewayclasses.GatewayClass;
  public readonly kind = 'GatewayClass';
  /** spec.controllerName as synthesized. */
  public readonly controllerName: string;

  public constructor(scope: Construct, id: string, props: GatewayClassProps = {}) {
    super(scope, id);
    this.controllerName = props.controllerName ?? PORTICO_CONTROLLER_NAME;
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9\/\-._~%!$&'()*+,;=:]+$/.test(this.controllerName)) {
      throw new Error(`controllerName "${this.controllerName}" is not a domain-prefixed path; use e.g. "example.com/my-controller"`);
    }
    const { namespace: _ns, ...metadata } = props.metadata ?? {};
    this.apiObject = new gatewayclasses.GatewayClass(this, 'Resource', {
      metadata,
      spec: Lazy.any({
        produce: () => compact({
          controllerName: this.controllerName,
          description: props.description,
          parametersRef: props.parametersRef && compact({ ...props.parametersRef }),
        }),
      }) as any,
    });
    // cdk8s stamps the chart namespace on every object; a cluster-scoped kind must not carry one.
    if (this.apiObject.metadata.namespace) this.apiObject.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }

  /** GatewayClass is cluster-scoped. */
  public override get namespace(): string | undefined {
    return undefined;
  }
}
