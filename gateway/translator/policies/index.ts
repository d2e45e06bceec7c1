export type { CompileEnv, PolicyDescriptor, PolicyLevel, PolicyObject, SectionResult } from './descriptor.ts';
export { LEVELS } from './descriptor.ts';
export type { PolicyAttachments } from './attach.ts';
export { processPolicies } from './attach.ts';
export { POLICY_KINDS } from './registry.ts';
export { ALLOWED_HOSTS_ANNOTATION, remoteDocument, secretEntries, secretValue, SectionError } from './references.ts';
