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

/** nginx sizes ("8k", "1m", "2g", bytes) as the Kubernetes quantity TrafficPolicy takes ("8Ki", "1Mi"); nginx's k and m are 1024-based. */
export function nginxSizeQuantity(v: string): string | undefined {
  const m = /^\s*(\d+)\s*([kKmMgG]?)\s*$/.exec(v);
  if (!m) return undefined;
  return m[2] === '' ? m[1] : `${m[1]}${m[2].toUpperCase()}i`;
}

/** The request attribute ingress-nginx's upstream-hash-by variable names, as a consistent-hash key. */
function hashKey(v: string): { type: 'Header' | 'Cookie' | 'SourceIP'; name?: string; cookie?: { generate: false } } | undefined {
  const t = v.trim();
  if (t === '$remote_addr' || t === '$binary_remote_addr') return { type: 'SourceIP' };
  const h = /^\$http_([a-z0-9_]+)$/i.exec(t);
  if (h) return { type: 'Header', name: h[1].replace(/_/g, '-') };
  const c = /^\$cookie_([A-Za-z0-9_-]+)$/.exec(t);
  // ingress-nginx hashes a cookie the application sets; it never issues one, and neither may
  // the gateway (a generated value would clash with the application's own cookie).
  if (c) return { type: 'Cookie', name: c[1], cookie: { generate: false } };
  return undefined;
}

/** The TrafficPolicy spec (without targetRefs) for `ing`: its body limit (ingress-nginx's default too), rate limits, consistent hashing. */
export function trafficSpec(ing: Ingress, bodySize: { value: string; explicit: boolean; source: string }, report: Report): Record<string, unknown> | undefined {
  const id = nsName(ing.metadata);
  const a = ing.metadata.annotations ?? {};
  const get = (n: string) => a[`${NGINX_PREFIX}${n}`];
  const key = (n: string) => `${NGINX_PREFIX}${n}`;
  const spec: Record<string, unknown> = {};
  if (bodySize.value.trim() !== '0') {
    const q = nginxSizeQuantity(bodySize.value);
    if (q === undefined) report.error(id, key('proxy-body-size'), `not converted: "${bodySize.value}" is not an nginx size`);
    else {
      spec.requestBody = { maxSize: q };
      report.info(id, key('proxy-body-size'), `TrafficPolicy requestBody.maxSize ${q} (${bodySize.explicit ? 'the annotation' : `${bodySize.value} from ${bodySize.source}`}): larger bodies get 413, as with ingress-nginx`);
    }
  }
  const rules: Record<string, unknown>[] = [];
  const burst = Number(get('limit-burst-multiplier') ?? 5);
  for (const [n, unit] of [['limit-rps', 'Second'], ['limit-rpm', 'Minute']] as const) {
    const v = get(n);
    if (v === undefined) continue;
    const requests = Number(v);
    if (!Number.isInteger(requests) || requests <= 0) { report.error(id, key(n), `not converted: "${v}" is not a positive whole number`); continue; }
    rules.push({ limit: { requests, unit }, selectors: [{ type: 'ClientIP' }] });
    report.warning(id, key(n), `TrafficPolicy local rate limit of ${requests} per ${unit.toLowerCase()} per client address, counted in each gateway process; ingress-nginx also let bursts of ${requests * (Number.isFinite(burst) ? burst : 5)} through (limit-burst-multiplier) and answered 503 (limit-req-status-code), Portico answers 429`);
  }
  if (rules.length > 0) spec.rateLimit = { local: { rules } };
  const hash = get('upstream-hash-by');
  if (hash !== undefined) {
    const k = hashKey(hash);
    if (k) spec.loadBalancer = { type: 'ConsistentHash', consistentHash: k };
    else report.error(id, key('upstream-hash-by'), `not converted: "${hash}" is not $remote_addr, $http_<header> or $cookie_<name>, the keys a TrafficPolicy consistent hash takes; requests are balanced round-robin`);
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
export function planPolicies(ingresses: readonly Ingress[], namespaces: Map<string, NamespacePlan>, kinds: PolicyKinds, report: Report,
  bodySizeOf: (ing: Ingress) => { value: string; explicit: boolean; source: string }): void {
  for (const ing of ingresses) {
    const specs: [PolicyPlan['kind'], Record<string, unknown> | undefined][] = [
      ['SecurityPolicy', kinds.security ? securitySpec(ing, report) : undefined],
      ['TrafficPolicy', kinds.traffic && !isPassthrough(ing) ? trafficSpec(ing, bodySizeOf(ing), report) : undefined],
    ];
    for (const [kind, spec] of specs) {
      if (!spec) continue;
      const id = nsName(ing.metadata);
      const np = namespaces.get(ing.metadata.namespace!);
      const targets = np ? ruleTargets(np, id, report) : [];
      if (targets.length === 0) { report.error(id, 'metadata.annotations', `not converted: the Ingress has no converted rule for its ${kind} to target`); continue; }
      for (let i = 0; i * 16 < targets.length; i++) {
        np!.policies.push({ kind, namespace: np!.namespace, name: i === 0 ? ing.metadata.name : `${ing.metadata.name}-${i + 1}`, from: id, targetRefs: targets.slice(i * 16, (i + 1) * 16), spec });
      }
    }
  }
}

function isPassthrough(ing: Ingress): boolean {
  return ing.metadata.annotations?.[`${NGINX_PREFIX}ssl-passthrough`] === 'true';
}
