// A tenant: a team that owns some namespaces and hostnames and may use some platform listeners.
// Declaring one synthesizes its Namespaces with a label, so the platform's listeners can select
// them in allowedRoutes and the cluster enforces the same boundary synth checks.
import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import type { Namespace } from '../../gateway/model/index.ts';
import type { TenantModel } from '../../gateway/validate/index.ts';
import { ownsHostname, TENANT_LABEL } from '../../gateway/validate/index.ts';
import { FromNamespaces, GatewayListener, RouteNamespaces } from '../listener.ts';
import { markTenantDeclaration, TenantDeclaration } from '../validation/tenant-source.ts';

/** The namespace label that marks a tenant's namespaces. */
export { TENANT_LABEL };

export interface TenantProps {
  /** Tenant name: the label value and the name in error messages (a DNS label). */
  readonly name: string;
  /** Namespaces the tenant owns (synthesized with the tenant label); the first is its default. */
  readonly namespaces: string[];
  /**
   * Hostnames the tenant's routes may use ("*.shop.example.com" covers every name below it).
   *
   * @default - none (the tenant cannot serve HTTP/TLS hostnames)
   */
  readonly hostnames?: string[];
  /**
   * Platform listeners the tenant's routes may attach to.
   *
   * @default - none (the tenant cannot attach routes to platform Gateways)
   */
  readonly listeners?: GatewayListener[];
  /**
   * Whether the tenant may declare ListenerSets (the Gateway must also allow them).
   *
   * @default - false
   */
  readonly allowListenerSets?: boolean;
  /**
   * Policy kinds (e.g. "BackendTLSPolicy") the tenant may declare; others fail synth.
   *
   * @default - every policy kind
   */
  readonly policyKinds?: string[];
  /**
   * Extra labels for the tenant's Namespaces.
   *
   * @default - only the tenant label
   */
  readonly namespaceLabels?: Record<string, string>;
}

/** Declares a tenant and its Namespaces. Create it in the platform's chart (e.g. `platform.addTenant()`). */
export class Tenant extends Construct implements TenantDeclaration {
  /**
   * The same tenant as seen from the tenant's own repo: nothing is synthesized (the platform repo
   * owns the Namespaces), but validation knows the namespaces, their label and the ownership rules.
   */
  public static fromTenantAttributes(scope: Construct, id: string, props: TenantProps): Tenant {
    return new Tenant(scope, id, props, true);
  }

  public readonly tenantName: string;
  public readonly namespaces: string[];
  public readonly hostnames: string[];
  public readonly listeners: GatewayListener[];
  public readonly allowListenerSets: boolean;
  /** Policy kinds the tenant may declare (undefined: every kind). */
  public readonly policyKinds?: string[];
  /** The synthesized Namespace objects, by namespace name. */
  public readonly namespaceObjects: Record<string, ApiObject> = {};

  /** True for Tenant.fromTenantAttributes(): the Namespaces are declared elsewhere. */
  public readonly imported: boolean;
  private readonly labels: Record<string, string>;

  public constructor(scope: Construct, id: string, props: TenantProps, imported = false) {
    super(scope, id);
    this.imported = imported;
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(props.name) || props.name.length > 63) {
      throw new Error(`tenant name "${props.name}" is not a DNS label; use lowercase letters, digits and '-'`);
    }
    if (props.namespaces.length === 0) throw new Error(`tenant "${props.name}" has no namespaces; pass at least one`);
    for (const h of props.hostnames ?? []) {
      if (!/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(h)) {
        throw new Error(`tenant "${props.name}" hostname "${h}" is not a lowercase DNS name (optionally "*." prefixed); fix the hostname`);
      }
    }
    this.tenantName = props.name;
    this.namespaces = [...props.namespaces];
    this.hostnames = [...(props.hostnames ?? [])];
    this.listeners = [...(props.listeners ?? [])];
    this.allowListenerSets = props.allowListenerSets ?? false;
    if (props.policyKinds) this.policyKinds = [...props.policyKinds];
    this.labels = { ...props.namespaceLabels, [TENANT_LABEL]: this.tenantName };
    markTenantDeclaration(this);
    for (const ns of this.namespaces) {
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns)) throw new Error(`tenant "${props.name}" namespace "${ns}" is not a DNS label`);
      if (imported) continue;
      const obj = new ApiObject(this, `ns-${ns}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: this.labels } });
      // Namespaces are cluster-scoped; cdk8s would stamp the chart's namespace on them.
      if (obj.metadata.namespace) obj.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
      this.namespaceObjects[ns] = obj;
    }
  }

  /** @internal The Namespace objects as the platform synthesizes them (stand-ins when imported). */
  public _namespaceManifests(): Namespace[] {
    return this.namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...this.labels } } }));
  }

  /** allowedRoutes.namespaces for platform listeners: the tenant's namespaces, by label. */
  public routeNamespaces(): RouteNamespaces {
    return { from: FromNamespaces.SELECTOR, selector: { matchLabels: { [TENANT_LABEL]: this.tenantName } } };
  }

  /**
   * Lets the tenant's routes attach to `listener` too. Listeners usually admit a tenant by its
   * routeNamespaces() selector, so they are often created after the tenant; this closes the loop.
   */
  public allowListener(listener: GatewayListener): void {
    if (!this.listeners.includes(listener)) this.listeners.push(listener);
  }

  /** Whether `hostname` (exact or wildcard) lies within the tenant's hostnames. */
  public ownsHostname(hostname: string): boolean {
    return ownsHostname(this.toModel(), hostname);
  }

  /**
   * The tenant as plain data: what the synth-time tenancy rules check against, and what a
   * platform repo can write out for `portico validate` in app repos.
   */
  public toModel(): TenantModel {
    return {
      name: this.tenantName,
      namespaces: [...this.namespaces],
      hostnames: [...this.hostnames],
      listeners: this.listeners.map((l) => ({
        kind: l.parent.kind === 'ListenerSet' ? 'ListenerSet' as const : 'Gateway' as const, namespace: l.parent.namespace ?? 'default', name: l.parent.name, sectionName: l.name,
      })),
      allowListenerSets: this.allowListenerSets,
      ...(this.policyKinds ? { policyKinds: [...this.policyKinds] } : {}),
    };
  }

  /** @internal The labels of the tenant's Namespaces (the tenant label plus namespaceLabels). */
  public _namespaceLabels(): Record<string, string> {
    return { ...this.labels };
  }
}
