export { diffTranslations, type DiffResult, type DiffSide, type ListenerDiff, type RuleChange, type ConditionChange, type RequestChange, type HostnameMove } from './compare.ts';
export { renderMarkdown, renderText } from './render.ts';
export { sampleRequests, resolveSample, sampleLabel, type SampleRequest, type Resolution, type Answer } from './samples.ts';
