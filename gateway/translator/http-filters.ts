// HTTPRoute / GRPCRoute filters → FilterIR. References inside filters (mirror and
// external-auth backends) go through the same backend resolution and ReferenceGrant checks
// as backendRefs.
import type { CorsIR, FilterIR, HeaderModifierIR, PathModifierIR } from '../ir/index.ts';
import type { HTTPHeaderFilter, HTTPPathModifier, HTTPRouteFilter } from '../model/index.ts';
import type { ConditionInput } from './conditions.ts';
import { Reason } from './conditions.ts';
import type { Context } from './context.ts';
import type { RouteSource } from './backends.ts';
import { resolveBackend } from './backends.ts';
import type { TlsPolicies } from './backend-tls-policies.ts';
import { checkFilterValues } from './safe-values.ts';

export interface FilterResult {
  filter?: FilterIR;
  problem?: ConditionInput;
  /** The rule cannot be served as written: answer this status instead. */
  direct?: { status: number; reason: string };
  /** A value the data plane must not send (safe-values.ts): the rule is invalid. */
  unsafe?: ConditionInput;
  service?: string;
}

export function headerModifier(f: HTTPHeaderFilter | undefined): HeaderModifierIR {
  // "If multiple entries specify equivalent header names, only the first entry MUST be considered"
  const firstByName = (hs: { name: string; value: string }[] | undefined) => {
    const seen = new Set<string>();
    const out: { name: string; value: string }[] = [];
    for (const h of hs ?? []) {
      const k = h.name.toLowerCase();
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ name: h.name, value: h.value });
    }
    return out;
  };
  return { set: firstByName(f?.set), add: firstByName(f?.add), remove: [...new Set((f?.remove ?? []).map((r) => r.toLowerCase()))] };
}

function pathModifier(p: HTTPPathModifier | undefined): PathModifierIR | undefined {
  if (!p) return undefined;
  if (p.type === 'ReplaceFullPath') return { type: 'ReplaceFullPath', value: p.replaceFullPath ?? '/' };
  if (p.type === 'ReplacePrefixMatch') return { type: 'ReplacePrefixMatch', value: p.replacePrefixMatch ?? '/' };
  return undefined;
}

function cors(f: NonNullable<HTTPRouteFilter['cors']>): CorsIR {
  return {
    allowOrigins: f.allowOrigins ?? [],
    allowCredentials: f.allowCredentials ?? false,
    allowMethods: f.allowMethods ?? [],
    allowHeaders: f.allowHeaders ?? [],
    exposeHeaders: f.exposeHeaders ?? [],
    maxAge: f.maxAge ?? 5,
  };
}

export function translateFilter(
  ctx: Context, tls: TlsPolicies, route: RouteSource, f: HTTPRouteFilter, field: string,
): FilterResult {
  const unsafe = checkFilterValues(f, field);
  if (unsafe !== undefined) return { unsafe };
  switch (f.type) {
    case 'RequestHeaderModifier':
      return { filter: { type: 'RequestHeaderModifier', modifier: headerModifier(f.requestHeaderModifier) } };
    case 'ResponseHeaderModifier':
      return { filter: { type: 'ResponseHeaderModifier', modifier: headerModifier(f.responseHeaderModifier) } };
    case 'RequestRedirect': {
      const r = f.requestRedirect ?? {};
      return { filter: { type: 'RequestRedirect', redirect: {
        scheme: r.scheme, hostname: r.hostname, port: r.port, path: pathModifier(r.path), statusCode: r.statusCode ?? 302,
      } } };
    }
    case 'URLRewrite':
      return { filter: { type: 'URLRewrite', rewrite: { hostname: f.urlRewrite?.hostname, path: pathModifier(f.urlRewrite?.path) } } };
    case 'CORS':
      return { filter: { type: 'CORS', cors: cors(f.cors ?? {}) } };
    case 'RequestMirror': {
      const m = f.requestMirror;
      if (!m) return {};
      const r = resolveBackend(ctx, tls, route, m.backendRef, `${field}.requestMirror.backendRef`, 'http');
      // A mirror that cannot be resolved is dropped (never fails the main request) but reported.
      if (r.problem) return { problem: r.problem };
      const fraction = m.fraction ? m.fraction.numerator / (m.fraction.denominator ?? 100) : (m.percent ?? 100) / 100;
      return { filter: { type: 'RequestMirror', mirror: { backend: r.backend, fraction: Math.max(0, Math.min(1, fraction)) } }, service: r.service };
    }
    case 'ExternalAuth': {
      const a = f.externalAuth;
      if (!a) return {};
      const protocol = a.protocol === 'GRPC' ? 'GRPC' : 'HTTP';
      const r = resolveBackend(ctx, tls, route, a.backendRef, `${field}.externalAuth.backendRef`, protocol === 'GRPC' ? 'grpc' : 'http');
      // Fail closed: without its auth service the rule must not forward anything.
      if (r.problem) return { problem: r.problem, direct: { status: 500, reason: 'ExternalAuthUnresolved' } };
      const lower = (xs: string[] | undefined) => (xs ?? []).map((x) => x.toLowerCase());
      return { filter: { type: 'ExternalAuth', auth: {
        protocol, backend: r.backend,
        path: protocol === 'HTTP' ? a.http?.path : undefined,
        allowedHeaders: lower(protocol === 'GRPC' ? a.grpc?.allowedHeaders : a.http?.allowedHeaders),
        allowedResponseHeaders: lower(a.http?.allowedResponseHeaders),
        forwardBodyMaxSize: a.forwardBody?.maxSize ?? 0,
      } }, service: r.service };
    }
    case 'ExtensionRef': {
      const e = f.extensionRef;
      const what = e ? `${e.group ? e.group + '/' : ''}${e.kind} ${e.name}` : 'extensionRef';
      return {
        problem: { type: 'ResolvedRefs', status: false, reason: Reason.InvalidKind, message: `${field}: filter ${what} is not known to Portico; matching requests get 500` },
        direct: { status: 500, reason: 'UnknownExtensionRef' },
      };
    }
    default:
      return {
        problem: { type: 'Accepted', status: false, reason: Reason.UnsupportedValueRoute, message: `${field}: filter type "${f.type}" is not supported` },
        direct: { status: 500, reason: 'UnsupportedFilter' },
      };
  }
}
