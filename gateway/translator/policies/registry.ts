// The policy kinds the translator attaches, in the order their results are applied to rules.
// A new kind is one descriptor (descriptor.ts) added here.
import type { PolicyDescriptor } from './descriptor.ts';
import { securityPolicyDescriptor } from './security/descriptor.ts';
import { trafficPolicyDescriptor } from './traffic/descriptor.ts';

export const POLICY_KINDS: readonly PolicyDescriptor[] = [securityPolicyDescriptor, trafficPolicyDescriptor];
