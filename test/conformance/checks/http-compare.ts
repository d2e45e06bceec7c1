// upstream http.CompareRoundTrip, over the Go-like client's response and the echo backend's answer.
import type { RequestSpec } from '../case-types.ts';
import type { HttpResponse } from '../client/http-client.ts';

export interface EchoAnswer {
  path?: string; host?: string; method?: string; proto?: string; headers?: Record<string, string[]>;
  namespace?: string; pod?: string; service?: string; httpPort?: string;
  tls?: { serverName?: string; peerCertificates?: string[]; negotiatedProtocol?: string };
}

export interface Sent {
  scheme: string;
  /** Path as sent (with any query the runner appended). */
  path: string;
  host: string;
  /** The request URL's port as upstream sees it ('' when the scheme's default). */
  urlPort: string;
}

export function isTimeout(code: number): boolean {
  return code === 408 || code === 504;
}

export function parseEcho(body: string): EchoAnswer | undefined {
  try {
    const v = JSON.parse(body);
    return v && typeof v === 'object' && typeof v.path === 'string' && 'pod' in v ? v : undefined;
  } catch {
    return undefined;
  }
}

function headerValue(h: Record<string, string[]> | undefined, name: string): string[] | undefined {
  if (!h) return undefined;
  const k = Object.keys(h).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : h[k];
}

const squash = (s: string, ignoreWs: boolean) => (ignoreWs ? s.replace(/\s+/g, '') : s);

const DEFAULT_PORT: Record<string, string> = { http: '80', https: '443' };

/** undefined when the answer matches the expectation, else why not. */
export function compareRoundTrip(spec: RequestSpec, sent: Sent, res: HttpResponse, expectedPath: string | undefined, clientCertPem?: string): string | undefined {
  const want = spec.response?.statusCodes ?? [200];
  if (isTimeout(res.status) && want.some(isTimeout)) return undefined;
  if (!want.includes(res.status)) return `expected status ${want.join('|')}, got ${res.status}${res.status >= 400 ? ` (${res.body.slice(0, 80).trim()})` : ''}`;
  const ignoreWs = !!spec.response?.ignoreWhitespace;

  if (res.status === 200) {
    const echo = parseEcho(res.body);
    const er = spec.expectedRequest;
    const wantNamespace = spec.namespace ?? 'gateway-conformance-infra';
    const path = er ? er.path ?? '' : expectedPath ?? sent.path;
    if (er && path === '' && wantNamespace === '') {
      // The gateway itself must answer (a CORS preflight): no echo JSON.
      if (echo) return `expected the gateway to answer, got the echo backend ${echo.pod}`;
    } else {
      if (!echo) return `expected an echo backend answer, got: ${res.body.slice(0, 120)}`;
      const host = er ? er.host : spec.request?.host;
      if (host && host !== echo.host) return `expected host ${host} at the backend, got ${echo.host}`;
      if (path !== echo.path) return `expected path ${path} at the backend, got ${echo.path}`;
      const method = (er?.method || (er ? '' : spec.request?.method) || 'GET');
      if (method !== echo.method) return `expected method ${method} at the backend, got ${echo.method}`;
      if (wantNamespace !== (echo.namespace ?? '')) return `expected namespace ${wantNamespace}, got ${echo.namespace}`;
      // Without an expectedRequest upstream expects the request itself, headers included.
      for (const [name, v] of Object.entries(er ? er.headers ?? {} : spec.request?.headers ?? {})) {
        const got = headerValue(echo.headers, name);
        if (!got) return `expected request header ${name} at the backend, have ${Object.keys(echo.headers ?? {}).join(', ')}`;
        if (got.join(',') !== v) return `expected request header ${name}: ${v}, got ${got.join(',')}`;
      }
      for (const name of er?.absentHeaders ?? []) {
        if (headerValue(echo.headers, name)) return `request header ${name} must not reach the backend`;
      }
      if (spec.backend && !(echo.pod ?? '').startsWith(spec.backend)) return `expected pod of ${spec.backend}, got ${echo.pod}`;
      if (spec.headerNamesPod) {
        // The request header a backendRef filter set names the backend that must answer.
        const v = headerValue(echo.headers, spec.headerNamesPod) ?? [];
        if (v.length !== 1) return `expected exactly one ${spec.headerNamesPod} request header at the backend, got ${v.length}`;
        if (!(echo.pod ?? '').startsWith(v[0])) return `request header ${spec.headerNamesPod}: ${v[0]} names another backend than the answering pod ${echo.pod}`;
      }
      if (er?.sni !== undefined && echo.tls?.serverName !== er.sni) return `expected backend TLS server name ${er.sni}, got ${echo.tls?.serverName}`;
      if (clientCertPem !== undefined) {
        const norm = (s: string) => s.replace(/\s+/g, '');
        if (!(echo.tls?.peerCertificates ?? []).some((p) => norm(p) === norm(clientCertPem))) return 'expected the backend to see the client certificate';
      }
    }
  } else if (res.status >= 300 && res.status < 400 && spec.redirectRequest) {
    const loc = res.headers.Location?.[0];
    if (!loc) return `redirect ${res.status} without Location`;
    let u: URL;
    try { u = new URL(loc, `${sent.scheme}://${sent.host}${sent.path}`); } catch { return `unparseable Location ${loc}`; }
    const r = spec.redirectRequest;
    const scheme = u.protocol.replace(/:$/, '');
    if ((r.scheme ?? sent.scheme) !== scheme) return `expected redirect scheme ${r.scheme ?? sent.scheme}, got ${scheme} (${loc})`;
    if (r.host !== undefined && r.host !== u.hostname) return `expected redirect host ${r.host}, got ${u.hostname} (${loc})`;
    // An omitted port means "the scheme's default", which the Location may spell out or leave out.
    const wantPort = r.port ?? '';
    if (wantPort === '' ? !(u.port === '' || u.port === DEFAULT_PORT[scheme]) : u.port !== wantPort && !(u.port === '' && DEFAULT_PORT[scheme] === wantPort)) {
      return `expected redirect port ${wantPort || '(default)'}, got ${u.port || '(none)'} (${loc})`;
    }
    const wantPath = r.path ?? sent.path.split('?')[0];
    if (wantPath !== u.pathname) return `expected redirect path ${wantPath}, got ${u.pathname} (${loc})`;
  }

  for (const [name, v] of Object.entries(spec.response?.headers ?? {})) {
    const got = headerValue(res.headers, name);
    if (!got) return `expected response header ${name}`;
    if (squash(got.join(','), ignoreWs) !== squash(v, ignoreWs)) return `expected response header ${name}: ${v}, got ${got.join(',')}`;
  }
  for (const [name, vs] of Object.entries(spec.response?.validHeaderValues ?? {})) {
    const got = headerValue(res.headers, name);
    if (!got) return `expected response header ${name}`;
    const joined = squash(got.join(','), ignoreWs);
    if (!vs.some((v) => squash(v, ignoreWs) === joined)) return `response header ${name}: ${got.join(',')} is not one of ${JSON.stringify(vs)}`;
  }
  for (const name of spec.response?.absentHeaders ?? []) {
    if (headerValue(res.headers, name)) return `response header ${name} must be absent`;
  }
  return undefined;
}
