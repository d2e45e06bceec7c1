export * from './resources.ts';
export * from './snapshot.ts';
export * from './manifests.ts';
export * from './pki.ts';
export * from './policies.ts';
export * from './traffic-policy.ts';
