export * from './validate-offline.ts';
export * from './tenancy.ts';
export { formatProblem } from './format.ts';
export * from './tenant-set.ts';
