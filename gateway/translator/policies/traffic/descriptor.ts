// TrafficPolicy as a policy kind of the generic attachment module: its sections and how each
// compiles. Every section may be set at every level (Gateway, listener, route, rule) and a more
// specific one replaces an inherited one whole. An invalid section is as if unset (no failClosed:
// the section inherited from a less specific level keeps applying, or none, and the route keeps
// serving) and the policy's status says why: none of them guards access, so failing closed would
// turn a typo in a compression setting into an outage.
import { POLICY_GROUP, TRAFFIC_POLICY_SECTIONS } from '../../../model/index.ts';
import type { PolicyDescriptor, SectionResult } from '../descriptor.ts';
import { SectionError } from '../references.ts';
import {
  compileCircuitBreaker, compileCompression, compileCustomResponse, compileHealthCheck, compileLoadBalancer, compileRateLimit,
  compileRequestBody, compileResponseOverride,
} from './sections.ts';

export const trafficPolicyDescriptor: PolicyDescriptor = {
  kind: 'TrafficPolicy',
  group: POLICY_GROUP,
  list: (s) => s.trafficPolicies as any,
  irKey: 'traffic',
  sections: TRAFFIC_POLICY_SECTIONS,
  compile(_env, policy, section, value, field): SectionResult {
    try {
      const v = value as any;
      switch (section) {
        // Counters are per policy: two rules under one policy share its limit.
        case 'rateLimit': return { ir: compileRateLimit(`TrafficPolicy/${policy.metadata.namespace ?? 'default'}/${policy.metadata.name}`, v, field) };
        case 'requestBody': return { ir: compileRequestBody(v, field) };
        case 'compression': return { ir: compileCompression(v) };
        case 'directResponse': return { ir: compileCustomResponse(v, field) };
        case 'responseOverride': return { ir: compileResponseOverride(v, field) };
        case 'circuitBreaker': return { ir: compileCircuitBreaker(v) };
        case 'healthCheck': return { ir: compileHealthCheck(v, field) };
        case 'loadBalancer': return { ir: compileLoadBalancer(v, field) };
        default: throw new SectionError(field, `unknown section ${section}`, 'remove it');
      }
    } catch (e) {
      if (!(e instanceof SectionError)) throw e;
      return { problem: { type: 'Accepted', status: false, reason: 'Invalid', field: e.field, message: `${e.field}: ${e.message}`, fix: e.fix } };
    }
  },
};
