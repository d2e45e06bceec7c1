// Ingresses (already selected by class) into a Plan, by ingress-nginx's rules: hosts are shared
// across Ingresses and namespaces; use-regex or rewrite-target on any Ingress of a host turns
// every path of that host into a case-insensitive regex anchored at the start; canary Ingresses
// add backends to the main Ingress's host and path; TLS hosts redirect port 80 to https unless
// ssl-redirect is false. Each decision that loses or changes behaviour gets a report line.
import { NGINX_PREFIX } from './annotations.ts';
import type { ControllerDefaults } from './controller-config.ts';
import type { Ingress, IngressBackend, IngressPath, Inputs, Service } from './inputs.ts';
import { nsName } from './inputs.ts';
import { nginxLocationRegex, pcreToRe2 } from './pcre.ts';
import type {
  BackendPlan, FilterPlan, GrpcRulePlan, HttpRulePlan, NamespacePlan, ParentPlan, PathPlan, Plan, RoutePlan,
} from './plan.ts';
import type { Report } from './report.ts';
import { planPolicies, type PolicyKinds } from './policies.ts';
import { readSettings, type Settings } from './settings.ts';

export interface ConvertOptions {
  gateway: { namespace: string; name: string };
  defaults: ControllerDefaults;
  /** Policy kinds to emit; annotations needing the others stay report lines. */
  policies: PolicyKinds;
}

const CERT_MANAGER = /^(cert-manager\.io|acme\.cert-manager\.io)\//;

/** DNS-label-ish name from a hostname: "*.shop.example.com" -> "wildcard-shop-example-com". */
export function slug(host: string): string {
  if (host === '') return 'catch-all';
  return host.replace(/^\*\./, 'wildcard.').replace(/[^a-z0-9]+/gi, '-').toLowerCase().replace(/^-|-$/g, '').slice(0, 50).replace(/-$/, '');
}

interface HostState {
  namespace: string;
  host: string;
  rules: HttpRulePlan[];
  grpc: GrpcRulePlan[];
  from: Set<string>;
  aliases: Set<string>;
}

export function convert(ingresses: readonly Ingress[], inputs: Inputs, opts: ConvertOptions, report: Report): Plan {
  const d = opts.defaults;
  const settings = new Map<Ingress, Settings>(ingresses.map((i) => [i, readSettings(i, d, report, opts.policies)]));
  const namespaces = new Map<string, NamespacePlan>();
  const nsPlan = (ns: string): NamespacePlan => {
    let p = namespaces.get(ns);
    if (!p) { p = { namespace: ns, hostnames: [], tls: [], certManager: {}, routes: [], grants: [], backendTls: [], policies: [] }; namespaces.set(ns, p); }
    return p;
  };
  const services = new Map(inputs.services.map((s) => [nsName(s.metadata), s]));

  // Hosts on which ingress-nginx switches every location to a regex location.
  const regexHosts = new Set<string>();
  for (const ing of ingresses) {
    const s = settings.get(ing)!;
    if (s.useRegex || s.rewriteTarget !== undefined) for (const r of ing.spec?.rules ?? []) regexHosts.add(r.host ?? '');
  }
  // TLS hosts: the first (oldest) Ingress naming a host decides its certificate, as in ingress-nginx.
  const tlsHosts = new Map<string, { namespace: string; secret?: string; from: string }>();
  for (const ing of ingresses) {
    if (settings.get(ing)!.sslPassthrough) continue;
    for (const t of ing.spec?.tls ?? []) {
      for (const h of t.hosts ?? []) {
        const prev = tlsHosts.get(h);
        if (prev === undefined) tlsHosts.set(h, { namespace: ing.metadata.namespace!, secret: t.secretName, from: nsName(ing.metadata) });
        else if (prev.secret !== t.secretName || prev.namespace !== ing.metadata.namespace) {
          report.warning(nsName(ing.metadata), `spec.tls (${h})`, `host ${h} already has certificate ${prev.namespace}/${prev.secret ?? '(default)'} from ${prev.from}; this one is not used, as in ingress-nginx`);
        }
      }
    }
  }

  const hosts = new Map<string, HostState>();
  const hostState = (namespace: string, host: string): HostState => {
    const k = `${namespace}\u0000${host}`;
    let h = hosts.get(k);
    if (!h) { h = { namespace, host, rules: [], grpc: [], from: new Set(), aliases: new Set() }; hosts.set(k, h); }
    return h;
  };

  const resolve = (ing: Ingress, b: IngressBackend, field: string): BackendPlan | undefined => resolveBackend(ing, b, field, services, report, nsPlan);
  grantFor = (from: string, to: BackendPlan) => grant(nsPlan, from, to);

  const mains = ingresses.filter((i) => !settings.get(i)!.canary);
  const canaries = ingresses.filter((i) => settings.get(i)!.canary);
  let catchAllTaken: string | undefined;

  for (const ing of mains) {
    const s = settings.get(ing)!;
    const id = nsName(ing.metadata);
    const ns = ing.metadata.namespace!;
    moveCertManagerAnnotations(ing, nsPlan(ns), report);
    const rules = ing.spec?.rules ?? [];
    if (rules.length === 0 && ing.spec?.defaultBackend) {
      if (catchAllTaken) { report.warning(id, 'spec.defaultBackend', `not used: ${catchAllTaken} already is the default backend of requests no host matches (ingress-nginx uses one)`); continue; }
      const be = resolve(ing, ing.spec.defaultBackend, 'spec.defaultBackend');
      if (!be) continue;
      catchAllTaken = id;
      const st = hostState(ns, '');
      st.from.add(id);
      st.rules.push(httpRule(s, id, '/', { type: 'PathPrefix', value: '/' }, [be], false, d, report, 'spec.defaultBackend'));
      continue;
    }
    if (s.sslPassthrough) { passthrough(ing, s, resolve, nsPlan, report, opts); continue; }
    for (const [ri, rule] of rules.entries()) {
      const host = rule.host ?? '';
      const st = hostState(ns, host);
      st.from.add(id);
      for (const a of s.serverAliases) st.aliases.add(a);
      const regex = regexHosts.has(host);
      const tls = tlsHosts.has(host);
      let hasRoot = false;
      for (const [pi, p] of (rule.http?.paths ?? []).entries()) {
        const field = `spec.rules[${ri}].http.paths[${pi}]`;
        const be = resolve(ing, p.backend, `${field}.backend`);
        if (!be) continue;
        const path = p.path && p.path !== '' ? p.path : '/';
        if (path === '/' && p.pathType !== 'Exact') hasRoot = true;
        if (s.backendProtocol === 'GRPC' || s.backendProtocol === 'GRPCS') {
          const g = grpcRule(id, path, be, report, field);
          if (g) st.grpc.push(g);
          if (s.backendProtocol === 'GRPCS') backendTls(be, s, nsPlan, report);
          continue;
        }
        if (s.backendProtocol === 'HTTPS') backendTls(be, s, nsPlan, report);
        const match = pathMatch(id, p, path, regex, s, report, field);
        if (!match) continue;
        const r = httpRule(s, id, path, match.path, [be], tls, d, report, field);
        if (match.rewritePrefix !== undefined) r.filters = mergeRewrite(r.filters, { prefix: match.rewritePrefix });
        st.rules.push(r);
      }
      // ingress-nginx serves a host's unmatched paths from the Ingress's defaultBackend.
      if (!hasRoot && host !== '' && ing.spec?.defaultBackend) {
        const be = resolve(ing, ing.spec.defaultBackend, 'spec.defaultBackend');
        if (be) {
          const root = regex ? { type: 'RegularExpression' as const, value: '(?i)(?:/).*' } : { type: 'PathPrefix' as const, value: '/' };
          st.rules.push(httpRule(s, id, '/', root, [be], tls, d, report, 'spec.defaultBackend'));
        }
      }
      if (s.appRoot !== undefined) {
        if (!s.appRoot.startsWith('/')) report.error(id, `${NGINX_PREFIX}app-root`, `"${s.appRoot}" must be a path starting with /; not converted`);
        else {
          st.rules.push({ from: `${id} app-root`, key: `${host} =/`, path: { type: 'Exact', value: '/' }, headers: [], backends: [],
            filters: [{ type: 'redirect', fullPath: s.appRoot, code: 302 }], sslRedirect: tls && s.sslRedirect ? d.httpRedirectCode : undefined });
        }
      }
      if (s.fromToWww && host !== '' && !host.startsWith('*.')) {
        const other = host.startsWith('www.') ? host.slice(4) : `www.${host}`;
        const ws = hostState(ns, other);
        ws.from.add(id);
        ws.rules.push({ from: `${id} from-to-www-redirect`, key: `${other} www`, path: { type: 'PathPrefix', value: '/' }, headers: [], backends: [],
          filters: [{ type: 'redirect', hostname: host, code: 308 }] });
      }
    }
  }

  for (const ing of canaries) mergeCanary(ing, settings.get(ing)!, hosts, regexHosts, resolve, report);

  // Hosts into routes.
  for (const st of hosts.values()) {
    nameRules(st.rules);
    nameRules(st.grpc);
    const np = nsPlan(st.namespace);
    const hostnames = st.host === '' ? [] : [st.host, ...[...st.aliases].filter((a) => a !== st.host)];
    for (const h of hostnames) if (!np.hostnames.includes(h)) np.hostnames.push(h);
    const name = slug(st.host);
    const tls = tlsHosts.get(st.host);
    const httpsParent: ParentPlan | undefined = tls?.secret ? { kind: 'listenerSet', namespace: tls.namespace, listener: `https-${slug(st.host)}` } : undefined;
    if (tls && !tls.secret) report.error(tls.from, `spec.tls (${st.host})`, 'no secretName: ingress-nginx serves its default certificate; Portico needs a certificate per HTTPS listener, so only port 80 is converted for this host');
    if (tls?.secret && !np.tls.some((t) => t.hostname === st.host) && tls.namespace === st.namespace) {
      np.tls.push({ name: `https-${slug(st.host)}`, hostname: st.host, secret: tls.secret });
    }
    if (httpsParent && tls!.namespace !== st.namespace) nsPlan(tls!.namespace); // the ListenerSet's namespace
    const from = [...st.from];
    if (st.rules.length > 0) {
      const redirects = st.rules.some((r) => r.sslRedirect !== undefined);
      if (httpsParent && redirects) {
        np.routes.push(route('HTTPRoute', name, st, hostnames, [httpsParent], st.rules, from));
        const plain = st.rules.map((r) => (r.sslRedirect === undefined ? r : { ...r, backends: [], filters: [{ type: 'redirect' as const, scheme: 'https' as const, code: r.sslRedirect }], backendRequestTimeout: undefined, session: undefined }));
        np.routes.push(route('HTTPRoute', `${name}-http`, st, hostnames, [{ kind: 'gateway', listener: 'http' }], plain, from));
      } else {
        if (redirects && !httpsParent) {
          for (const id of new Set(st.rules.filter((r) => r.sslRedirect !== undefined).map((r) => r.from.split(' ')[0]))) {
            report.warning(id, `${NGINX_PREFIX}force-ssl-redirect`, `not converted: ${st.host || 'the host'} has no TLS section, so there is no https listener to redirect to (TLS ended before ingress-nginx?); port 80 serves the routes`);
          }
        }
        const parents: ParentPlan[] = [{ kind: 'gateway', listener: 'http' }, ...(httpsParent ? [httpsParent] : [])];
        np.routes.push(route('HTTPRoute', name, st, hostnames, parents, st.rules, from));
      }
    }
    if (st.grpc.length > 0) {
      const parents: ParentPlan[] = httpsParent ? [httpsParent] : [{ kind: 'gateway', listener: 'http' }];
      np.routes.push({ ...route('GRPCRoute', `${name}-grpc`, st, hostnames, parents, [], from), grpcRules: st.grpc });
    }
  }
  // cross-namespace ListenerSet parents: the listener's namespace must exist in the plan
  for (const np of namespaces.values()) np.routes.sort((a, b) => a.name.localeCompare(b.name));
  planPolicies(mains, namespaces, opts.policies, report, (ing) => ({ ...settings.get(ing)!.bodySize, source: d.source }));
  reportDefaults(ingresses, settings, d, report, opts.policies.traffic);
  return {
    gateway: opts.gateway,
    namespaces: [...namespaces.values()].sort((a, b) => a.namespace.localeCompare(b.namespace)),
    passthrough: passthroughListeners(namespaces),
  };
}

/** Rule names from the Ingress each rule comes from ("storefront-1", "storefront-2", ...): unique within the host. */
function nameRules(rules: { from: string; name?: string }[]): void {
  const counters = new Map<string, number>();
  for (const r of rules) {
    const ingress = r.from.split(' ')[0].split('/')[1];
    const n = (counters.get(ingress) ?? 0) + 1;
    counters.set(ingress, n);
    const base = ingress.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '').slice(0, 56).replace(/-+$/, '') || 'rule';
    r.name = `${base}-${n}`;
  }
}

function route(kind: RoutePlan['kind'], name: string, st: HostState, hostnames: string[], parents: ParentPlan[], rules: HttpRulePlan[], from: string[]): RoutePlan {
  return { kind, name, namespace: st.namespace, hostnames, parents, httpRules: rules, grpcRules: [], tlsBackends: [], from };
}

function passthroughListeners(namespaces: Map<string, NamespacePlan>) {
  const out: Plan['passthrough'] = [];
  for (const np of namespaces.values()) {
    for (const r of np.routes) {
      if (r.kind !== 'TLSRoute') continue;
      for (const p of r.parents) if (p.kind === 'gateway') out.push({ name: p.listener, hostname: r.hostnames[0], namespace: np.namespace });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

function moveCertManagerAnnotations(ing: Ingress, np: NamespacePlan, report: Report): void {
  for (const [k, v] of Object.entries(ing.metadata.annotations ?? {})) {
    if (!CERT_MANAGER.test(k)) continue;
    if (np.certManager[k] !== undefined && np.certManager[k] !== v) {
      report.warning(nsName(ing.metadata), k, `"${v}" differs from "${np.certManager[k]}" of another Ingress in ${np.namespace}; the namespace's ListenerSet keeps the first`);
      continue;
    }
    np.certManager[k] = v;
    report.info(nsName(ing.metadata), k, `moved to ListenerSet ${np.namespace}/ingress-tls, so cert-manager's Gateway API support keeps issuing the certificate`);
  }
}

/** A backend as a Service reference; ExternalName bridges become the Service they point at (plus a ReferenceGrant). */
function resolveBackend(ing: Ingress, b: IngressBackend, field: string, services: Map<string, Service>, report: Report, nsPlan: (ns: string) => NamespacePlan): BackendPlan | undefined {
  const id = nsName(ing.metadata);
  const ns = ing.metadata.namespace!;
  if (!b.service) {
    report.error(id, field, `not converted: a ${b.resource?.kind ?? 'resource'} backend; Gateway API routes reference Services`);
    return undefined;
  }
  const svc = services.get(`${ns}/${b.service.name}`);
  let port = b.service.port?.number;
  if (port === undefined && b.service.port?.name !== undefined) {
    port = svc?.spec?.ports?.find((p) => p.name === b.service!.port!.name)?.port;
    if (port === undefined) {
      report.error(id, `${field}.service.port.name`, `not converted: port "${b.service.port.name}" of Service ${ns}/${b.service.name} is unknown; pass the Service manifest to --from, or use a port number`);
      return undefined;
    }
  }
  if (port === undefined) { report.error(id, field, 'not converted: the backend has no port'); return undefined; }
  if (svc?.spec?.type === 'ExternalName') {
    const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.svc(\.cluster\.local)?)?\.?$/.exec(svc.spec.externalName ?? '');
    if (!m) {
      report.error(id, field, `not converted: Service ${ns}/${b.service.name} is an ExternalName for ${svc.spec.externalName ?? '(none)'}, outside the cluster; route to a Service with EndpointSlices for it instead`);
      return undefined;
    }
    const target = { name: m[1], namespace: m[3], port };
    if (target.namespace !== ns) {
      grant(nsPlan, ns, target);
      report.info(id, field, `the ExternalName bridge ${ns}/${b.service.name} becomes a direct reference to Service ${target.namespace}/${target.name}:${port}, allowed by a ReferenceGrant in ${target.namespace}`);
    }
    return target;
  }
  return { name: b.service.name, namespace: ns, port };
}

/** A ReferenceGrant in the Service's namespace lets routes of `from` reference it. */
function grant(nsPlan: (ns: string) => NamespacePlan, from: string, to: BackendPlan): void {
  const grants = nsPlan(to.namespace).grants;
  let g = grants.find((x) => x.fromNamespace === from);
  if (!g) { g = { namespace: to.namespace, fromNamespace: from, fromKinds: [], services: [] }; grants.push(g); }
  if (!g.services.includes(to.name)) g.services.push(to.name);
}

/** Set by convert() for the duration of a conversion (filters reference Services too). */
let grantFor: (from: string, to: BackendPlan) => void = () => {};

interface Match { path: PathPlan; rewritePrefix?: string }

/** The Ingress path as a Gateway API path match, by ingress-nginx's location rules. */
function pathMatch(id: string, p: IngressPath, path: string, regexHost: boolean, s: Settings, report: Report, field: string): Match | undefined {
  const type = p.pathType ?? 'ImplementationSpecific';
  const target = s.rewriteTarget;
  if (target !== undefined && /\$\d/.test(target)) {
    // The documented ingress-nginx idiom: <prefix>(/|$)(.*) rewritten to <target>$2 is a prefix replacement.
    const m = /^(\/[A-Za-z0-9._~\-/]*?)\(\/\|\$\)\(\.\*\)$/.exec(path);
    const t = /^(\/?[A-Za-z0-9._~\-/]*?)\/?\$2$/.exec(target);
    if (m && t && type !== 'Exact') {
      const prefix = m[1].replace(/\/$/, '') || '/';
      report.info(id, `${NGINX_PREFIX}rewrite-target`, `${path} -> ${target}: a PathPrefix match on ${prefix} with ReplacePrefixMatch ${t[1] || '/'} (same paths; matched case-sensitively where nginx ignored case)`);
      return { path: { type: 'PathPrefix', value: prefix }, rewritePrefix: t[1] || '/' };
    }
    report.error(id, `${NGINX_PREFIX}rewrite-target`, `not converted: "${target}" uses capture groups of ${path} in a form other than <prefix>(/|$)(.*) -> <target>$2; Gateway API has no regex rewrite, so requests reach the backend with their original path`);
  }
  if (type === 'Exact') return { path: { type: 'Exact', value: path } };
  if (regexHost) {
    const c = nginxLocationRegex(path);
    if (!c.ok) {
      report.error(id, `${field}.path`, `not converted: regex ${JSON.stringify(path)} ${c.reason}; this path is not served`);
      return undefined;
    }
    for (const note of c.changed) report.info(id, `${field}.path`, `regex ${JSON.stringify(path)}: ${note}`);
    return { path: { type: 'RegularExpression', value: c.re2 } };
  }
  if (type === 'ImplementationSpecific' && path !== '/' && !path.endsWith('/')) {
    report.info(id, `${field}.pathType`, `ImplementationSpecific ${path} becomes PathPrefix, which matches whole segments (${path}/x, not ${path}x as nginx did)`);
  }
  return { path: { type: 'PathPrefix', value: path } };
}

function httpRule(s: Settings, id: string, rawPath: string, path: PathPlan, backends: BackendPlan[], tls: boolean, d: ControllerDefaults, report: Report, field: string): HttpRulePlan {
  const filters: FilterPlan[] = [];
  const from = `${id} ${field}`;
  const r: HttpRulePlan = { from, key: '', path, headers: [], filters, backends };
  r.key = `${path.type} ${rawPath}`;
  if (s.redirect) {
    let url: URL | undefined;
    try { url = new URL(s.redirect.url); } catch { /* reported below */ }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      report.error(id, `${NGINX_PREFIX}${s.redirect.code === 302 ? 'temporal' : 'permanent'}-redirect`, `not converted: "${s.redirect.url}" is not an http(s) URL`);
    } else {
      if (url.search || url.hash) report.warning(id, `${NGINX_PREFIX}permanent-redirect`, `the query or fragment of ${s.redirect.url} is dropped: a Gateway API redirect keeps the request's query`);
      filters.push({ type: 'redirect', scheme: url.protocol === 'https:' ? 'https' : 'http', hostname: url.hostname, port: url.port ? Number(url.port) : undefined, fullPath: url.pathname || '/', code: s.redirect.code });
      r.backends = [];
      return r;
    }
  }
  const rewrite: { hostname?: string; fullPath?: string } = {};
  if (s.rewriteTarget !== undefined && !/\$\d/.test(s.rewriteTarget)) {
    if (s.rewriteTarget.startsWith('/')) rewrite.fullPath = s.rewriteTarget.split('?')[0];
    else report.error(id, `${NGINX_PREFIX}rewrite-target`, `not converted: "${s.rewriteTarget}" is not a path`);
  }
  if (s.upstreamVhost !== undefined) rewrite.hostname = s.upstreamVhost;
  if (rewrite.hostname !== undefined || rewrite.fullPath !== undefined) filters.push({ type: 'rewrite', ...rewrite });
  if (s.xForwardedPrefix !== undefined) filters.push({ type: 'setHeaders', set: { 'X-Forwarded-Prefix': s.xForwardedPrefix } });
  if (s.cors) filters.push({ type: 'cors', ...s.cors });
  if (s.externalAuth) {
    const ea = externalAuth(id, s.externalAuth.url, report);
    if (ea && ea.backend.namespace !== id.split('/')[0]) grantFor(id.split('/')[0], ea.backend);
    if (ea) filters.unshift({ type: 'externalAuth', backend: ea.backend, path: ea.path, responseHeaders: s.externalAuth.responseHeaders });
  }
  r.backendRequestTimeout = s.timeouts.read;
  if (s.affinity) r.session = { cookieName: s.affinity.cookieName, maxAgeSeconds: s.affinity.maxAgeSeconds };
  if ((tls && s.sslRedirect) || s.forceSslRedirect) r.sslRedirect = d.httpRedirectCode;
  return r;
}

function mergeRewrite(filters: FilterPlan[], add: { prefix: string }): FilterPlan[] {
  const i = filters.findIndex((f) => f.type === 'rewrite');
  if (i < 0) return [...filters, { type: 'rewrite', prefix: add.prefix }];
  return filters.map((f, j) => (j === i && f.type === 'rewrite' ? { ...f, prefix: add.prefix, fullPath: undefined } : f));
}

/** auth-url names an in-cluster Service by its DNS name: http://<svc>.<ns>[.svc[.cluster.local]][:port]/path. */
function externalAuth(id: string, raw: string, report: Report): { backend: BackendPlan; path?: string } | undefined {
  const key = `${NGINX_PREFIX}auth-url`;
  let url: URL;
  try { url = new URL(raw); } catch { report.error(id, key, `not converted: "${raw}" is not a URL`); return undefined; }
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.svc(\.cluster\.local)?)?$/.exec(url.hostname);
  if (!m) {
    report.error(id, key, `not converted: ${url.hostname} is not an in-cluster Service name (<service>.<namespace>.svc); ExternalAuth calls a Service: requests are not authenticated`);
    return undefined;
  }
  if (url.protocol === 'https:') report.warning(id, key, 'the auth Service is called over HTTPS by ingress-nginx; add a BackendTLSPolicy for it, or the gateway speaks plain HTTP to it');
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  report.warning(id, key, `ExternalAuth to Service ${m[3]}/${m[1]}:${port}: Gateway API sends the auth request to ${url.pathname === '/' ? 'the request path' : `${url.pathname} followed by the request path`} (ingress-nginx called ${url.pathname} and passed the original URL in X-Original-URL); check the auth service accepts that`);
  return { backend: { name: m[1], namespace: m[3], port }, path: url.pathname === '/' ? undefined : url.pathname };
}

function grpcRule(id: string, path: string, be: BackendPlan, report: Report, field: string): GrpcRulePlan | undefined {
  if (path === '/') return { from: id, backends: [be] };
  const m = /^\/([A-Za-z_][\w.]*)(?:\/([A-Za-z_]\w*)?)?$/.exec(path);
  if (m) return { from: id, service: m[1], method: m[2], backends: [be] };
  report.error(id, `${field}.path`, `not converted: gRPC path ${path} is not /, /<package.Service> or /<package.Service>/<Method>`);
  return undefined;
}

function backendTls(be: BackendPlan, s: Settings, nsPlan: (ns: string) => NamespacePlan, report: Report): void {
  const np = nsPlan(be.namespace);
  if (np.backendTls.some((b) => b.service === be.name)) return;
  const hostname = s.proxySsl.name ?? `${be.name}.${be.namespace}.svc`;
  const key = `${NGINX_PREFIX}proxy-ssl-verify`;
  if (s.proxySsl.verify && s.proxySsl.secret) {
    const [sns, sname] = s.proxySsl.secret.includes('/') ? s.proxySsl.secret.split('/') : [be.namespace, s.proxySsl.secret];
    const cm = sname;
    np.backendTls.push({ namespace: be.namespace, service: be.name, hostname, caConfigMap: cm });
    report.warning(s.id, `${NGINX_PREFIX}proxy-ssl-secret`, `BackendTLSPolicy ${be.namespace}/${be.name} trusts ConfigMap ${be.namespace}/${cm}: create it with the ca.crt of Secret ${sns}/${sname} (Portico reads CA bundles from ConfigMaps)`);
  } else {
    np.backendTls.push({ namespace: be.namespace, service: be.name, hostname });
    report.warning(s.id, key, `ingress-nginx did not verify ${be.namespace}/${be.name}'s certificate (proxy-ssl-verify off); a BackendTLSPolicy always verifies: it trusts the system CAs for ${hostname}; point caCertificateRefs at the backend's CA if it is private`);
  }
}

function passthrough(ing: Ingress, s: Settings, resolve: (i: Ingress, b: IngressBackend, f: string) => BackendPlan | undefined, nsPlan: (ns: string) => NamespacePlan, report: Report, _opts: ConvertOptions): void {
  const id = nsName(ing.metadata);
  const np = nsPlan(ing.metadata.namespace!);
  for (const [ri, rule] of (ing.spec?.rules ?? []).entries()) {
    if (!rule.host) { report.error(id, `spec.rules[${ri}].host`, 'not converted: ssl-passthrough routes by SNI and needs a host'); continue; }
    const paths = rule.http?.paths ?? [];
    const root = paths.find((p) => (p.path ?? '/') === '/') ?? paths[0];
    if (!root) continue;
    const be = resolve(ing, root.backend, `spec.rules[${ri}].http.paths[0].backend`);
    if (!be) continue;
    if (paths.length > 1) report.warning(id, `spec.rules[${ri}].http.paths`, 'ssl-passthrough forwards whole TLS connections: only the backend of path / is used, as in ingress-nginx');
    if (!np.hostnames.includes(rule.host)) np.hostnames.push(rule.host);
    const name = `tls-${slug(rule.host)}`;
    np.routes.push({ kind: 'TLSRoute', name: `${slug(rule.host)}-passthrough`, namespace: np.namespace, hostnames: [rule.host], parents: [{ kind: 'gateway', listener: name }], httpRules: [], grpcRules: [], tlsBackends: [be], from: [id] });
  }
  void s;
}

function mergeCanary(ing: Ingress, s: Settings, hosts: Map<string, HostState>, regexHosts: Set<string>, resolve: (i: Ingress, b: IngressBackend, f: string) => BackendPlan | undefined, report: Report): void {
  const id = nsName(ing.metadata);
  const c = s.canary!;
  for (const [ri, rule] of (ing.spec?.rules ?? []).entries()) {
    const host = rule.host ?? '';
    const st = [...hosts.values()].find((h) => h.host === host && h.rules.length > 0);
    for (const [pi, p] of (rule.http?.paths ?? []).entries()) {
      const field = `spec.rules[${ri}].http.paths[${pi}]`;
      const path = p.path && p.path !== '' ? p.path : '/';
      const main = st?.rules.filter((r) => r.key.endsWith(` ${path}`) && r.headers.length === 0 && r.backends.length > 0);
      if (!st || !main || main.length === 0) {
        report.error(id, field, `not converted: canary for ${host || '(any host)'}${path} has no main Ingress with that host and path (ingress-nginx ignores it too)`);
        continue;
      }
      const be = resolve(ing, p.backend, `${field}.backend`);
      if (!be) continue;
      st.from.add(id);
      const base = main[0];
      const header = (h: { type: 'Exact' | 'RegularExpression'; name: string; value: string }) => {
        st.rules.push({ ...base, from: `${id} ${field}`, headers: [h], backends: [be], filters: [...base.filters] });
      };
      if (c.header) {
        if (c.headerValue) header({ type: 'Exact', name: c.header, value: c.headerValue });
        else if (c.headerPattern) {
          const conv = pcreToRe2(c.headerPattern);
          // nginx searches the header value for the pattern; a Gateway API regex must match the whole value.
          if (conv.ok) header({ type: 'RegularExpression', name: c.header, value: `.*(?:${conv.re2}).*` });
          else report.error(id, `${NGINX_PREFIX}canary-by-header-pattern`, `not converted: ${JSON.stringify(c.headerPattern)} ${conv.reason}`);
        } else {
          header({ type: 'Exact', name: c.header, value: 'always' });
          report.info(id, `${NGINX_PREFIX}canary-by-header`, `${c.header}: always goes to the canary; "never" has no match of its own and falls to the weighted rule`);
        }
      }
      if (c.cookie) {
        const name = c.cookie.replace(/[^A-Za-z0-9_-]/g, '');
        header({ type: 'RegularExpression', name: 'cookie', value: `(?:.*;\\s*)?${name}=always(?:;.*)?` });
      }
      if (c.weight !== undefined && c.weight > 0) {
        const w = Math.min(c.weight, c.weightTotal);
        for (const r of main) r.backends = [...r.backends.map((b) => ({ ...b, weight: c.weightTotal - w })), { ...be, weight: w }];
      }
    }
  }
}

/** ingress-nginx limits every body to 1m and waits 60 s for backends unless told otherwise: say where that stays and where it is lost. */
function reportDefaults(ingresses: readonly Ingress[], settings: Map<Ingress, Settings>, d: ControllerDefaults, report: Report, traffic: boolean): void {
  for (const ing of ingresses) {
    const s = settings.get(ing)!;
    const id = nsName(ing.metadata);
    // A canary's own location settings are not used: the main Ingress's are.
    if (s.canary) continue;
    if (s.bodySize.value !== '0' && !s.bodySize.explicit && !traffic) {
      report.error(id, `${NGINX_PREFIX}proxy-body-size`, `not converted: ingress-nginx limited request bodies to ${s.bodySize.value} (${d.source}); Portico has no per-route body limit yet (needs a TrafficPolicy): bodies are unlimited unless portico serve --max-request-body-bytes is set`);
    }
    if (s.sslPassthrough) continue;
    const explicit = s.timeouts.explicit;
    const note = explicit.length > 0 ? `set by ${explicit.map((k) => k.slice(NGINX_PREFIX.length)).join(', ')}` : `${d.source}`;
    report.warning(id, `${NGINX_PREFIX}proxy-read-timeout`, `timeouts.backendRequest ${s.timeouts.read}s (${note}): nginx bounded each wait between two reads; Gateway API bounds the whole answer, so a response streaming longer than ${s.timeouts.read}s is cut`);
    if (explicit.some((k) => k.endsWith('connect-timeout'))) {
      report.info(id, `${NGINX_PREFIX}proxy-connect-timeout`, `${s.timeouts.connect}s: Gateway API has no connect timeout; connecting counts against timeouts.backendRequest`);
    }
    if (explicit.some((k) => k.endsWith('send-timeout'))) {
      report.info(id, `${NGINX_PREFIX}proxy-send-timeout`, `${s.timeouts.send}s: Gateway API has no send timeout; sending counts against timeouts.backendRequest`);
    }
  }
}
