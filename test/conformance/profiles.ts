// Which upstream conformance profile(s) a case belongs to, and whether it tests a core feature set.
import type { CaseSpec } from './case-types.ts';

export type Profile = 'http' | 'grpc' | 'tls' | 'tcp' | 'udp';

export const PROFILE_NAMES: Record<Profile, string> = {
  http: 'GATEWAY-HTTP', grpc: 'GATEWAY-GRPC', tls: 'GATEWAY-TLS', tcp: 'GATEWAY-TCP', udp: 'GATEWAY-UDP',
};

const ROUTE_FEATURE: Record<string, Profile> = { HTTPRoute: 'http', GRPCRoute: 'grpc', TLSRoute: 'tls', TCPRoute: 'tcp', UDPRoute: 'udp' };

/** Core features per profile (upstream pkg/features: the profile's core set). */
const CORE: Record<Profile, string[]> = {
  http: ['Gateway', 'HTTPRoute', 'ReferenceGrant'],
  grpc: ['Gateway', 'GRPCRoute', 'ReferenceGrant'],
  tls: ['Gateway', 'TLSRoute', 'ReferenceGrant'],
  tcp: ['Gateway', 'TCPRoute', 'ReferenceGrant'],
  udp: ['Gateway', 'UDPRoute', 'ReferenceGrant'],
};

export function profilesOf(c: CaseSpec): Profile[] {
  const routes = [...new Set(c.features.map((f) => ROUTE_FEATURE[f]).filter((p): p is Profile => !!p))];
  // Gateway-only cases (listeners, addresses, ListenerSets) are exercised with the HTTP profile.
  return routes.length === 0 ? ['http'] : routes;
}

export function isCore(c: CaseSpec, p: Profile): boolean {
  return c.features.every((f) => CORE[p].includes(f));
}

export function extendedFeatures(cases: CaseSpec[], p: Profile): string[] {
  return [...new Set(cases.filter((c) => profilesOf(c).includes(p)).flatMap((c) => c.features).filter((f) => !CORE[p].includes(f) && !ROUTE_FEATURE[f]))].sort();
}
