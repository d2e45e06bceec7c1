export { LinearMatcher } from './linear.ts';
export { HostIndexMatcher } from './host-index.ts';
export { HostTable } from './host-table.ts';
export { compileMatch, compileConditions, describePath, prefixMatches, normalizePrefix, type CompiledMatch, type Condition } from './compile-match.ts';
export { queryParam, headerValue, type MatchRequest, type RuleMatcher } from './request.ts';
