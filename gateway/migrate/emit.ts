// The Plan as a construct program: a platform chart (GatewayClass, the Gateway with its port-80
// listener and TLS passthrough listeners, one tenant per namespace) and per namespace a tenant
// chart (its ListenerSet with its certificates, routes, ReferenceGrants, BackendTLSPolicies).
import { arr, call, construct, invoke, lit, obj, ref, sym, value, type Expr, type Stmt } from './code.ts';
import { MAX_RULES, routeNameFor } from './plan.ts';
import type { BackendPlan, FilterPlan, GrpcRulePlan, HttpRulePlan, ParentPlan, Plan, RoutePlan } from './plan.ts';

const TENANT_LABEL = 'portico.dev/tenant';

export interface EmitOptions {
  /** metadata.name of the GatewayClass. @default 'portico' */
  readonly gatewayClassName?: string;
}

/** camelCase identifier from parts ("shop", "https-www") -> "shopHttpsWww"; unique within `used`. */
function ident(used: Set<string>, ...parts: string[]): string {
  const words = parts.join('-').split(/[^A-Za-z0-9]+/).filter(Boolean);
  let base = words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0].toUpperCase() + w.slice(1).toLowerCase())).join('') || 'x';
  if (/^\d/.test(base)) base = `n${base}`;
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}${i}`;
  used.add(name);
  return name;
}

export function emitProgram(plan: Plan, options: EmitOptions = {}): Stmt[] {
  const used = new Set(['app', 'anyTenant', 'platform', 'gatewayClass', 'gateway', 'http']);
  const out: Stmt[] = [];
  const stmt = (expr: Expr, name?: string, type?: string) => out.push({ k: 'do', name, type, expr });
  const comment = (text: string) => out.push({ k: 'comment', text });
  const anyTenant = { namespaces: ref('anyTenant') };
  const usesListenerSets = plan.namespaces.some((n) => n.tls.length > 0);

  stmt(construct('App'), 'app');
  out.push({ k: 'blank' });
  comment('Routes from any tenant namespace (never from unlabelled ones such as default or kube-system).');
  stmt(obj({ from: sym('FromNamespaces.SELECTOR'), selector: obj({ matchExpressions: value([{ key: TENANT_LABEL, operator: 'Exists' }]) }) }), 'anyTenant', 'RouteNamespaces');
  comment('The platform: the class, the Gateway every tenant shares, and one tenant per namespace.');
  stmt(construct('Platform', ref('app'), lit('platform'), obj({ namespace: lit(plan.gateway.namespace) })), 'platform');
  stmt(construct('GatewayClass', ref('platform'), lit('class'), obj({ metadata: obj({ name: lit(options.gatewayClassName ?? 'portico') }) })), 'gatewayClass');
  stmt(construct('Gateway', ref('platform'), lit('gateway'), obj({
    metadata: obj({ name: lit(plan.gateway.name) }),
    gatewayClass: ref('gatewayClass'),
    // Each namespace brings its own certificates in its own ListenerSet, as each Ingress did.
    allowedListeners: usesListenerSets ? obj(anyTenant) : undefined,
  })), 'gateway');
  stmt(invoke('gateway', 'addListener', obj({
    name: lit('http'), port: lit(80), protocol: sym('ListenerProtocol.HTTP'), allowedRoutes: obj(anyTenant),
  })), 'http');
  const passthroughVars = new Map<string, string>();
  for (const p of plan.passthrough) {
    const v = ident(used, p.name);
    passthroughVars.set(p.name, v);
    stmt(invoke('gateway', 'addListener', obj({
      name: lit(p.name), port: lit(443), protocol: sym('ListenerProtocol.TLS'), hostname: lit(p.hostname),
      tls: obj({ mode: sym('TlsMode.PASSTHROUGH') }),
      allowedRoutes: obj({ namespaces: obj({ from: sym('FromNamespaces.SELECTOR'), selector: obj({ matchLabels: value({ [TENANT_LABEL]: p.namespace }) }) }) }),
    })), v);
  }

  const tenantVars = new Map<string, string>();
  for (const np of plan.namespaces) {
    const v = ident(used, np.namespace, 'tenant');
    tenantVars.set(np.namespace, v);
    const listeners = new Set<string>();
    for (const r of np.routes) for (const p of r.parents) if (p.kind === 'gateway') listeners.add(p.listener === 'http' ? 'http' : passthroughVars.get(p.listener)!);
    stmt(invoke('platform', 'addTenant', lit(np.namespace), obj({
      name: lit(np.namespace), namespaces: value([np.namespace]),
      hostnames: np.hostnames.length > 0 ? value([...np.hostnames].sort()) : undefined,
      listeners: listeners.size > 0 ? arr([...listeners].sort().map(ref)) : undefined,
      allowListenerSets: np.tls.length > 0 ? lit(true) : undefined,
    })), v);
  }

  const listenerVars = new Map<string, string>(); // "ns/listener" -> variable
  const chartVars = new Map<string, string>();
  for (const np of plan.namespaces) chartVars.set(np.namespace, ident(used, np.namespace));
  for (const np of plan.namespaces) {
    const chart = chartVars.get(np.namespace)!;
    out.push({ k: 'blank' });
    const from = [...new Set(np.routes.flatMap((r) => r.from))].sort();
    comment(`Namespace ${np.namespace}${from.length > 0 ? `: from Ingress ${from.join(', ')}` : ''}.`);
    stmt(construct('TenantChart', ref('app'), lit(np.namespace), obj({ tenant: ref(tenantVars.get(np.namespace)!) })), chart);
    if (np.tls.length > 0) {
      const ls = ident(used, np.namespace, 'listeners');
      const annotations = Object.keys(np.certManager).length > 0 ? value(np.certManager) : undefined;
      stmt(construct('ListenerSet', ref(chart), lit('ingress-tls'), obj({ metadata: obj({ name: lit('ingress-tls'), annotations }), gateway: ref('gateway') })), ls);
      for (const t of np.tls) {
        const v = ident(used, np.namespace, t.name);
        listenerVars.set(`${np.namespace}/${t.name}`, v);
        stmt(invoke(ls, 'addListener', obj({
          name: lit(t.name), port: lit(443), protocol: sym('ListenerProtocol.HTTPS'), hostname: lit(t.hostname),
          tls: obj({ certificateRefs: arr([call('CertificateRef.fromName', lit(t.secret))]) }),
          allowedRoutes: obj(anyTenant),
        })), v);
      }
    }
  }
  // Routes after every listener exists: a route may attach to another namespace's ListenerSet.
  for (const np of plan.namespaces) {
    const chart = chartVars.get(np.namespace)!;
    const tenant = tenantVars.get(np.namespace)!;
    const allowed = new Set<string>();
    for (const r of np.routes) {
      for (const p of r.parents) {
        if (p.kind !== 'listenerSet') continue;
        const v = listenerVars.get(`${p.namespace}/${p.listener}`);
        if (v && !allowed.has(v)) { allowed.add(v); stmt(invoke(tenant, 'allowListener', ref(v))); }
      }
    }
    // Routes a policy targets get a variable (PolicyTarget.rule(route, ruleName)).
    const targeted = new Set(np.policies.flatMap((p) => p.targetRefs.map((t) => t.name)));
    const routeVars = new Map<string, string>();
    const varFor = (name: string) => {
      if (!targeted.has(name)) return undefined;
      const v = ident(used, name);
      routeVars.set(name, v);
      return v;
    };
    for (const r of np.routes) emitRoute(r, chart, varFor, stmt, comment, listenerVars, passthroughVars);
    for (const g of np.grants) {
      stmt(construct('ReferenceGrant', ref(chart), lit(`from-${g.fromNamespace}`), obj({
        metadata: obj({ name: lit(`from-${g.fromNamespace}`) }),
        from: value(['HTTPRoute', 'GRPCRoute'].map((kind) => ({ group: 'gateway.networking.k8s.io', kind, namespace: g.fromNamespace }))),
        to: value([...g.services].sort().map((name) => ({ group: '', kind: 'Service', name }))),
      })));
    }
    for (const p of np.policies) {
      comment(`${p.kind} from Ingress ${p.from}: what its annotations enforced, on its rules`);
      // One Ingress may get a policy of each kind under the same name: construct ids differ by kind.
      stmt(construct(p.kind, ref(chart), lit(`${p.name}-${p.kind === 'SecurityPolicy' ? 'security' : 'traffic'}`), obj({
        metadata: obj({ name: lit(p.name) }),
        targets: arr(p.targetRefs.map((t) => call('PolicyTarget.rule', ref(routeVars.get(t.name)!), lit(t.sectionName)))),
        ...Object.fromEntries(Object.entries(p.spec).map(([k, v]) => [k, value(v)])),
      })));
    }
    for (const b of np.backendTls) {
      stmt(construct('BackendTlsPolicy', ref(chart), lit(`${b.service}-tls`), obj({
        metadata: obj({ name: lit(`${b.service}-tls`) }),
        targetRefs: arr([call('PolicyTargetRef.fromName', lit(b.service))]),
        hostname: lit(b.hostname),
        caCertificateRefs: b.caConfigMap ? arr([call('CertificateRef.fromName', lit(b.caConfigMap), value({ kind: 'ConfigMap' }))]) : undefined,
        useSystemCertificates: b.caConfigMap ? undefined : lit(true),
      })));
    }
  }
  return out;
}

function parentExpr(p: ParentPlan, listenerVars: Map<string, string>, passthroughVars: Map<string, string>): Expr {
  if (p.kind === 'gateway') return ref(p.listener === 'http' ? 'http' : passthroughVars.get(p.listener)!);
  return ref(listenerVars.get(`${p.namespace}/${p.listener}`)!);
}

function emitRoute(r: RoutePlan, chart: string, varFor: (routeName: string) => string | undefined, stmt: (e: Expr, n?: string) => void, comment: (t: string) => void,
  listenerVars: Map<string, string>, passthroughVars: Map<string, string>): void {
  const parents = arr(r.parents.map((p) => parentExpr(p, listenerVars, passthroughVars)));
  const hostnames = r.hostnames.length > 0 ? value(r.hostnames) : undefined;
  // A route for every host (ingress-nginx's default server) is the platform's to own: no tenant owns "*".
  if (r.hostnames.length === 0) chart = 'platform';
  const namespace = chart === 'platform' ? lit(r.namespace) : undefined;
  if (r.kind === 'TLSRoute') {
    stmt(construct('TlsRoute', ref(chart), lit(r.name), obj({
      metadata: obj({ name: lit(r.name) }), parentRefs: parents, hostnames,
      rules: arr([obj({ backendRefs: arr(r.tlsBackends.map((b) => backendExpr(b, r.namespace))) })]),
    })));
    return;
  }
  const rules: Expr[] = r.kind === 'GRPCRoute' ? r.grpcRules.map((g) => grpcRuleExpr(g, r.namespace)) : r.httpRules.map((h) => httpRuleExpr(h, r.namespace));
  // A route holds at most 16 rules: larger hosts are split into numbered routes (precedence is per host, so this changes nothing).
  for (let i = 0; i * MAX_RULES < rules.length; i++) {
    const name = routeNameFor(r.name, i * MAX_RULES);
    comment(`${r.kind === 'GRPCRoute' ? 'gRPC' : 'HTTP'} ${r.hostnames.join(', ') || 'any host (in the platform chart: no tenant owns every hostname)'}: from ${r.from.join(', ')}`);
    stmt(construct(r.kind === 'GRPCRoute' ? 'GrpcRoute' : 'HttpRoute', ref(chart), lit(name), obj({
      metadata: obj({ name: lit(name), namespace }), parentRefs: parents, hostnames,
      rules: arr(rules.slice(i * MAX_RULES, (i + 1) * MAX_RULES)),
    })), varFor(name));
  }
}

function backendExpr(b: BackendPlan, routeNamespace: string): Expr {
  return call('BackendRef.fromName', lit(b.name), obj({
    namespace: b.namespace !== routeNamespace ? lit(b.namespace) : undefined, port: lit(b.port), weight: b.weight !== undefined ? lit(b.weight) : undefined,
  }));
}

function pathExpr(h: HttpRulePlan): Expr {
  const fn = h.path.type === 'Exact' ? 'PathMatch.exact' : h.path.type === 'PathPrefix' ? 'PathMatch.prefix' : 'PathMatch.regex';
  return call(fn, lit(h.path.value));
}

function httpRuleExpr(h: HttpRulePlan, ns: string): Expr {
  return obj({
    name: h.name ? lit(h.name) : undefined,
    matches: arr([obj({
      path: pathExpr(h),
      headers: h.headers.length > 0 ? arr(h.headers.map((x) => call(x.type === 'Exact' ? 'HeaderMatch.exact' : 'HeaderMatch.regex', lit(x.name), lit(x.value)))) : undefined,
    })]),
    filters: h.filters.length > 0 ? arr(h.filters.map((f) => filterExpr(f, ns))) : undefined,
    backendRefs: h.backends.length > 0 ? arr(h.backends.map((b) => backendExpr(b, ns))) : undefined,
    backendRequestTimeout: h.backendRequestTimeout !== undefined && h.backends.length > 0 ? call('Duration.seconds', lit(h.backendRequestTimeout)) : undefined,
    sessionPersistence: h.session && h.backends.length > 0 ? call('SessionPersistence.cookie', obj({
      sessionName: lit(h.session.cookieName),
      absoluteTimeout: h.session.maxAgeSeconds !== undefined ? call('Duration.seconds', lit(h.session.maxAgeSeconds)) : undefined,
      lifetimeType: h.session.maxAgeSeconds !== undefined ? lit('Permanent') : undefined,
    })) : undefined,
  });
}

function filterExpr(f: FilterPlan, ns: string): Expr {
  switch (f.type) {
    case 'redirect':
      return call('HttpFilter.requestRedirect', obj({
        scheme: f.scheme ? lit(f.scheme) : undefined, hostname: f.hostname ? lit(f.hostname) : undefined, port: f.port ? lit(f.port) : undefined,
        path: f.fullPath ? call('PathModifier.replaceFullPath', lit(f.fullPath)) : undefined, statusCode: lit(f.code),
      }));
    case 'rewrite':
      return call('HttpFilter.urlRewrite', obj({
        hostname: f.hostname ? lit(f.hostname) : undefined,
        path: f.prefix !== undefined ? call('PathModifier.replacePrefixMatch', lit(f.prefix)) : f.fullPath !== undefined ? call('PathModifier.replaceFullPath', lit(f.fullPath)) : undefined,
      }));
    case 'setHeaders':
      return call('HttpFilter.requestHeaderModifier', obj({ set: value(f.set) }));
    case 'cors':
      return call('HttpFilter.cors', obj({
        allowOrigins: value(f.allowOrigins), allowMethods: value(f.allowMethods), allowHeaders: value(f.allowHeaders),
        exposeHeaders: f.exposeHeaders.length > 0 ? value(f.exposeHeaders) : undefined,
        allowCredentials: lit(f.allowCredentials), maxAge: call('Duration.seconds', lit(f.maxAge)),
      }));
    case 'externalAuth':
      return call('HttpFilter.externalAuthHttp', backendExpr(f.backend, ns), obj({
        path: f.path ? lit(f.path) : undefined, allowedResponseHeaders: f.responseHeaders.length > 0 ? value(f.responseHeaders) : undefined,
      }));
  }
}

function grpcRuleExpr(g: GrpcRulePlan, ns: string): Expr {
  return obj({
    name: g.name ? lit(g.name) : undefined,
    matches: g.service ? arr([obj({ method: call('GrpcMethodMatch.exact', lit(g.service), ...(g.method ? [lit(g.method)] : [])) })]) : undefined,
    backendRefs: arr(g.backends.map((b) => backendExpr(b, ns))),
  });
}
