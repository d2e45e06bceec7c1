// What every Portico L2 shares: the one L1 child ('Resource'), its name/namespace, and a plain
// manifest for validation. Mirrors cdk8s-plus base.ts so users meet familiar shapes.
import { ApiObject, ApiObjectMetadata, ApiObjectMetadataDefinition, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** Props every Portico resource accepts. */
export interface ResourceProps {
  /**
   * Metadata of the synthesized object (name, namespace, labels, annotations).
   *
   * @default - a name derived from the construct path and the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
}

/** A Kubernetes object that other resources can reference, whether defined here or imported. */
export interface IResource extends IConstruct {
  /** metadata.name */
  readonly name: string;
  /**
   * metadata.namespace.
   *
   * @default - undefined for cluster-scoped objects or charts without a namespace
   */
  readonly namespace?: string;
  /** API group ("" for core). */
  readonly apiGroup: string;
  /** Kind, e.g. "HTTPRoute". */
  readonly kind: string;
}

/** Base of every L2 that synthesizes exactly one Gateway API object. */
export abstract class Resource extends Construct implements IResource {
  /** The L1 object; use it (or ApiObject.of(this)) as an escape hatch for JSON patches. */
  public abstract readonly apiObject: ApiObject;
  public abstract readonly kind: string;
  public readonly apiGroup: string = GATEWAY_GROUP;

  public get metadata(): ApiObjectMetadataDefinition {
    return this.apiObject.metadata;
  }

  public get name(): string {
    return this.apiObject.name;
  }

  public get namespace(): string | undefined {
    return this.apiObject.metadata.namespace;
  }

  /** The plain manifest this resource synthesizes (what validation and tests read). */
  public toManifest(): any {
    return this.apiObject.toJson();
  }
}

/** The namespace a construct's objects land in when they do not set one. */
export function chartNamespace(scope: IConstruct): string | undefined {
  try {
    return Chart.of(scope).namespace;
  } catch {
    return undefined;
  }
}

/** Sorts by a string key without mutating; keeps synthesized lists stable. */
export function sortedBy<T>(items: readonly T[], key: (t: T) => string): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Drops undefined members so manifests and goldens carry no `key: undefined` noise. */
export function compact<T extends object>(o: T): T {
  const out: any = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

/** Returns undefined for empty arrays, so optional lists are omitted rather than `[]`. */
export function nonEmpty<T>(items: readonly T[] | undefined): T[] | undefined {
  return items && items.length > 0 ? [...items] : undefined;
}
