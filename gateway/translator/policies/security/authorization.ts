// SecurityPolicy spec.authorization → AuthorizationIR (first matching rule decides, then the default).
import type { AuthorizationIR } from '../../../ir/index.ts';
import type { Authorization } from '../../../model/index.ts';
import { SectionError } from '../references.ts';
import { cidr, headerName } from './names.ts';

export function compileAuthorization(v: Authorization, field: string): AuthorizationIR {
  const xff = v.clientIP?.xForwardedFor;
  if (xff && xff.numTrustedHops !== undefined && xff.trustedCIDRs !== undefined) {
    throw new SectionError(`${field}.clientIP.xForwardedFor`, 'set numTrustedHops or trustedCIDRs, not both', 'keep the one that describes your proxies');
  }
  if (xff?.numTrustedHops !== undefined && (!Number.isInteger(xff.numTrustedHops) || xff.numTrustedHops < 0 || xff.numTrustedHops > 16)) {
    throw new SectionError(`${field}.clientIP.xForwardedFor.numTrustedHops`, 'must be an integer from 0 to 16', 'set the number of proxies in front of the gateway');
  }
  return {
    defaultAction: v.defaultAction === 'Allow' ? 'Allow' : 'Deny',
    clientIp: {
      ...(xff?.numTrustedHops !== undefined ? { numTrustedHops: xff.numTrustedHops } : {}),
      ...(xff?.trustedCIDRs ? { trustedCidrs: xff.trustedCIDRs.map((c, i) => cidr(c, `${field}.clientIP.xForwardedFor.trustedCIDRs[${i}]`)) } : {}),
    },
    rules: (v.rules ?? []).map((r, i) => {
      const f = `${field}.rules[${i}]`;
      if (r.action !== 'Allow' && r.action !== 'Deny') throw new SectionError(`${f}.action`, `"${r.action}" is not Allow or Deny`, 'use Allow or Deny');
      return {
        name: r.name ?? `rule-${i}`,
        action: r.action,
        clientCidrs: (r.principal?.clientCIDRs ?? []).map((c, j) => cidr(c, `${f}.principal.clientCIDRs[${j}]`)),
        jwtClaims: (r.principal?.jwt?.claims ?? []).map((c) => ({ name: c.name, values: c.values ?? [] })),
        jwtScopes: r.principal?.jwt?.scopes ?? [],
        headers: (r.principal?.headers ?? []).map((h, j) => ({ name: headerName(h.name, `${f}.principal.headers[${j}].name`), values: h.values ?? [] })),
        methods: (r.methods ?? []).map((m) => m.toUpperCase()),
        paths: (r.paths ?? []).map((p) => ({ type: p.type === 'Exact' ? 'Exact' as const : 'PathPrefix' as const, value: p.value })),
      };
    }),
  };
}
