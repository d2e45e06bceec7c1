// The client limits the data plane enforces, resolved once per compile: the gateway-wide defaults
// (flags) overlaid with a listener's own ClientLimitsIR. Requests read plain fields, never merge.
import type { ClientLimitsIR, EncodedSlashAction } from '../ir/index.ts';

export interface ResolvedClientLimits {
  encodedSlash: EncodedSlashAction;
}

export const DEFAULT_CLIENT_LIMITS: ResolvedClientLimits = {
  encodedSlash: 'Reject',
};

export function resolveClientLimits(defaults: ResolvedClientLimits, override: ClientLimitsIR | undefined): ResolvedClientLimits {
  if (override === undefined) return defaults;
  return {
    encodedSlash: override.path?.encodedSlash ?? defaults.encodedSlash,
  };
}
