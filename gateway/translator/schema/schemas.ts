// Lookup over the generated CRD schemas (see scripts/gen-schemas.ts). The JSON is the single
// source: regenerate it from crds/ rather than editing it.
import schemas from './crd-schemas.generated.json' with { type: 'json' };

/** The subset of OpenAPI v3 (structural schema) that CRDs use, plus the Kubernetes extensions. */
export interface Schema {
  type?: string;
  format?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  anyOf?: Schema[];
  allOf?: Schema[];
  oneOf?: Schema[];
  'x-kubernetes-validations'?: ValidationRule[];
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-embedded-resource'?: boolean;
}

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: string;
  optionalOldSelf?: boolean;
}

export interface KindSchemas {
  group: string;
  kind: string;
  plural: string;
  scope: string;
  storageVersion?: string;
  standardVersions: string[];
  versions: Record<string, Schema>;
}

interface GeneratedFile {
  ruleCounts: { standard: number; experimental: number };
  standardRules: string[];
  kinds: Record<string, KindSchemas>;
}

const file = schemas as unknown as GeneratedFile;

/** API groups whose objects are validated; everything else passes through untouched. */
export const GATEWAY_GROUPS: readonly string[] = ['gateway.networking.k8s.io', 'gateway.networking.x-k8s.io', 'policy.portico.dev'];

export function kindSchemas(group: string, kind: string): KindSchemas | undefined {
  return file.kinds[`${group}/${kind}`];
}

/** Versions the CRD serves for group/kind (experimental channel), e.g. ['v1', 'v1beta1']; [] if unknown. */
export function servedVersions(group: string, kind: string): string[] {
  return Object.keys(kindSchemas(group, kind)?.versions ?? {});
}

export function allKinds(): KindSchemas[] {
  return Object.values(file.kinds);
}

export function ruleCounts(): { standard: number; experimental: number } {
  return file.ruleCounts;
}

export function standardRules(): string[] {
  return file.standardRules;
}
