// Where a rule's effective TrafficPolicy lives in the IR (the policy attachment module writes it
// under policies.traffic): the one accessor the data plane uses.
import type { HttpRuleIR, TrafficPolicyIR } from '../../ir/index.ts';

export function trafficOf(rule: HttpRuleIR): TrafficPolicyIR | undefined {
  return rule.policies?.traffic;
}
