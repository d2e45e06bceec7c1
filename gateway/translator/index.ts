export * from './api.ts';
export { translate } from './translate.ts';
export { compareGrpcMatches, compareMatches, sortRules } from './precedence.ts';
export { SUPPORTED_FEATURES, supports } from './features.ts';
export { intersectHostnames, hostMatches, hostnameWithin } from './hostnames.ts';
export { parseDuration } from './durations.ts';
export { Reason } from './conditions.ts';
export { createIncrementalTranslator, type IncrementalTranslator } from './incremental.ts';
