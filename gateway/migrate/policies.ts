// What ingress-nginx enforced per Ingress that only a Portico policy can (issue 13's
// SecurityPolicy): client source ranges and basic authentication, as policy specs targeting the
// Ingress's converted rules by route and rule name. The policy kinds are in plan.ts terms, plain
// data; emit.ts writes them out.
import { NGINX_PREFIX } from './annotations.ts';
import type { Ingress } from './inputs.ts';
import { nsName } from './inputs.ts';
import { routeNameFor, type NamespacePlan, type PolicyPlan } from './plan.ts';
import type { Report } from './report.ts';

/** The Portico policy kinds this build can emit (the others stay report lines). */
export interface PolicyKinds { security: boolean; traffic: boolean }

const list = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

const IPV4 = /^(\d{1,3})(\.\d{1,3}){3}(\/\d{1,2})?$/;
const IPV6 = /^[0-9a-fA-F:]+:[0-9a-fA-F:.]*(\/\d{1,3})?$/;

/** ingress-nginx accepts bare addresses in source ranges; a policy wants CIDRs. */
function cidrs(id: string, key: string, values: string[], report: Report): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (IPV4.test(v)) out.push(v.includes('/') ? v : `${v}/32`);
    else if (IPV6.test(v)) out.push(v.includes('/') ? v : `${v}/128`);
    else report.error(id, key, `"${v}" is not an IP address or CIDR; left out of the policy`);
  }
  return out;
}

/** The SecurityPolicy spec (without targetRefs) ingress-nginx's annotations of `ing` amount to, if any. */
export function securitySpec(ing: Ingress, report: Report): Record<string, unknown> | undefined {
  const id = nsName(ing.metadata);
  const a = ing.metadata.annotations ?? {};
  const get = (n: string) => a[`${NGINX_PREFIX}${n}`];
  const spec: Record<string, unknown> = {};
  const allowKey = get('whitelist-source-range') !== undefined ? 'whitelist-source-range' : 'allowlist-source-range';
  const allow = cidrs(id, `${NGINX_PREFIX}${allowKey}`, list(get(allowKey)), report);
  const deny = cidrs(id, `${NGINX_PREFIX}denylist-source-range`, list(get('denylist-source-range')), report);
  if (allow.length > 0 || deny.length > 0) {
    // nginx writes the deny entries first, then the allow entries, then "deny all" when there is an allow list.
    spec.authorization = {
      rules: [
        ...(deny.length > 0 ? [{ name: 'denylist', action: 'Deny', principal: { clientCIDRs: deny } }] : []),
        ...(allow.length > 0 ? [{ name: 'allowlist', action: 'Allow', principal: { clientCIDRs: allow } }] : []),
      ],
      defaultAction: allow.length > 0 ? 'Deny' : 'Allow',
    };
    report.warning(id, `${NGINX_PREFIX}${allow.length > 0 ? allowKey : 'denylist-source-range'}`, 'SecurityPolicy authorization on the client address of the connection: behind a load balancer or proxy (ingress-nginx use-forwarded-headers, use-proxy-protocol) set authorization.clientIP.xForwardedFor with its hop count or CIDRs');
  }
  const type = get('auth-type');
  if (type !== undefined) {
    const secret = get('auth-secret');
    const ns = ing.metadata.namespace!;
    const [sns, sname] = secret?.includes('/') ? secret.split('/') : [ns, secret];
    if (type !== 'basic') report.error(id, `${NGINX_PREFIX}auth-type`, `not converted: "${type}" authentication (only basic has a SecurityPolicy counterpart): requests are not authenticated`);
    else if (!sname) report.error(id, `${NGINX_PREFIX}auth-secret`, 'not converted: auth-type basic without auth-secret');
    else if (sns !== ns) report.error(id, `${NGINX_PREFIX}auth-secret`, `not converted: the Secret ${sns}/${sname} is in another namespace; a SecurityPolicy reads Secrets of its own namespace: copy it to ${ns}`);
    else if ((get('auth-secret-type') ?? 'auth-file') !== 'auth-file') report.error(id, `${NGINX_PREFIX}auth-secret-type`, 'not converted: an auth-map Secret (one key per user); write an htpasswd file under the key "auth" instead');
    else {
      spec.basicAuth = { users: { name: sname, key: 'auth' }, ...(get('auth-realm') ? { realm: get('auth-realm') } : {}) };
      report.warning(id, `${NGINX_PREFIX}auth-secret`, `SecurityPolicy basicAuth reads Secret ${ns}/${sname} key "auth": bcrypt and {SHA} lines only; re-hash crypt or MD5 (apr1) entries with htpasswd -B`);
    }
  }
  return Object.keys(spec).length > 0 ? spec : undefined;
}

/** Target refs for every forwarding rule converted from Ingress `id`, by route and rule name. */
export function ruleTargets(np: NamespacePlan, id: string, report: Report): { group: string; kind: string; name: string; sectionName: string }[] {
  const out: { group: string; kind: string; name: string; sectionName: string }[] = [];
  for (const r of np.routes) {
    if (r.hostnames.length === 0) {
      // The every-host route is the platform's: a tenant's policy may not target it.
      if (r.httpRules.some((h) => h.from.startsWith(`${id} `))) report.error(id, 'spec.rules (no host)', 'not converted: its SecurityPolicy would attach to the route for every host, which the platform owns; attach one to the Gateway listener instead');
      continue;
    }
    if (r.kind === 'HTTPRoute') {
      r.httpRules.forEach((h, i) => {
        if (h.from.startsWith(`${id} `) && h.backends.length > 0 && h.name) out.push({ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: routeNameFor(r.name, i), sectionName: h.name });
      });
    } else if (r.kind === 'GRPCRoute') {
      r.grpcRules.forEach((g, i) => {
        if (g.from === id && g.name) out.push({ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', name: routeNameFor(r.name, i), sectionName: g.name });
      });
    }
  }
  return out;
}

/** Policies for the Ingresses, added to their namespaces' plans. */
export function planPolicies(ingresses: readonly Ingress[], namespaces: Map<string, NamespacePlan>, kinds: PolicyKinds, report: Report): void {
  if (!kinds.security) return;
  for (const ing of ingresses) {
    const spec = securitySpec(ing, report);
    if (!spec) continue;
    const id = nsName(ing.metadata);
    const np = namespaces.get(ing.metadata.namespace!);
    const targets = np ? ruleTargets(np, id, report) : [];
    if (targets.length === 0) { report.error(id, 'metadata.annotations', 'not converted: the Ingress has no converted rule for its SecurityPolicy to target'); continue; }
    for (let i = 0; i * 16 < targets.length; i++) {
      const p: PolicyPlan = { kind: 'SecurityPolicy', namespace: np!.namespace, name: i === 0 ? ing.metadata.name : `${ing.metadata.name}-${i + 1}`, from: id, targetRefs: targets.slice(i * 16, (i + 1) * 16), spec };
      np!.policies.push(p);
    }
  }
}
