// CRD validation as the Kubernetes API server applies it: structural schema, defaults, list
// types and the CRDs' CEL rules, from the vendored Gateway API CRDs (experimental channel).
export { applyDefaults, validateObject } from './validate.ts';
export { servedVersions } from './schemas.ts';
