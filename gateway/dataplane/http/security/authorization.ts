// The authorization section: rules tried in order, the first whose every given condition holds
// decides (Allow goes on, Deny answers 403); no match takes the default action.
import type { AuthorizationIR, AuthorizationRuleIR } from '../../../ir/index.ts';
import type { Exchange } from '../exchange.ts';
import { claimMatches, getClaims, scopesOf } from './claims.ts';
import { blockListOf, clientIpResolver, inList } from './client-ip.ts';
import type { Check } from './denial.ts';
import { forbidden } from './denial.ts';
import { headerValue } from './request-values.ts';

type Matcher = (ex: Exchange, ip: () => string) => boolean;

function compileRule(r: AuthorizationRuleIR): Matcher {
  const parts: Matcher[] = [];
  if (r.clientCidrs.length) {
    const list = blockListOf(r.clientCidrs);
    parts.push((_ex, ip) => inList(list, ip()));
  }
  if (r.methods.length) parts.push((ex) => r.methods.includes(ex.method));
  if (r.paths.length) {
    parts.push((ex) => r.paths.some((p) => p.type === 'Exact' ? ex.path === p.value
      : ex.path === p.value || ex.path.startsWith(p.value.endsWith('/') ? p.value : `${p.value}/`)));
  }
  for (const h of r.headers) parts.push((ex) => { const v = headerValue(ex, h.name); return v !== undefined && h.values.includes(v); });
  if (r.jwtClaims.length || r.jwtScopes.length) {
    parts.push((ex) => {
      const c = getClaims(ex);
      if (!c) return false;
      const scopes = scopesOf(c);
      return r.jwtClaims.every((m) => claimMatches(c, m)) && r.jwtScopes.every((s) => scopes.has(s));
    });
  }
  return (ex, ip) => parts.every((p) => p(ex, ip));
}

export function authorizationCheck(ir: AuthorizationIR): Check {
  const resolve = clientIpResolver(ir.clientIp);
  const rules = ir.rules.map((r) => ({ ir: r, matches: compileRule(r) }));
  return (ex) => {
    let ip: string | undefined;
    const lazyIp = () => (ip ??= resolve(ex));
    for (const r of rules) {
      if (!r.matches(ex, lazyIp)) continue;
      return r.ir.action === 'Allow' ? undefined : forbidden(`denied by authorization rule "${r.ir.name}"`);
    }
    return ir.defaultAction === 'Allow' ? undefined : forbidden('denied by the default authorization action');
  };
}
