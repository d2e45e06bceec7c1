export * from './table.ts';
export * from './http.ts';
export * from './l4.ts';
export * from './backend.ts';
export * from './tls.ts';
export * from './limits.ts';
export * from './traffic.ts';
export * from './policies.ts';
