// TrafficPolicy sections compiled to the data plane's IR (gateway/ir/traffic.ts), one function per
// section. Values the CRD schema cannot judge (a quantity's size, a range's order, a selector
// without its name) are checked here and reported with the field and the fix.
import type {
  ActiveHealthCheckIR, CircuitBreakerIR, ClientLimitsIR, CompressionAlgorithm, CompressionIR, FixedResponseIR, HashCookieIR, LoadBalancerIR,
  OutlierDetectionIR, RateLimitIR, RateLimitKeyIR, RateLimitRuleIR, ResponseOverrideIR, TrafficHealthCheckIR,
} from '../../../ir/index.ts';
import type {
  CircuitBreakerSpec, CompressionSpec, ConsistentHashCookieSpec, CustomResponse, HealthCheckSpec, LoadBalancerSpec, RateLimitRule, RateLimitSpec,
  RequestBodySpec, ResponseOverride, StatusCodeMatch,
} from '../../../model/index.ts';
import { parseDuration } from '../../durations.ts';
import { SectionError } from '../references.ts';

const UNIT_MS = { Second: 1000, Minute: 60_000, Hour: 3_600_000, Day: 86_400_000 } as const;

function selector(s: { type: string; name?: string }, field: string): RateLimitKeyIR {
  switch (s.type) {
    case 'ClientIP': return { type: 'ClientIP' };
    case 'Path': return { type: 'Path' };
    case 'Method': return { type: 'Method' };
    case 'APIKey': return { type: 'APIKey', header: (s.name ?? 'x-api-key').toLowerCase() };
    case 'Header':
    case 'JWTClaim':
      if (!s.name) throw new SectionError(`${field}.name`, `a ${s.type} selector needs a name`, `set ${field}.name to the ${s.type === 'Header' ? 'header' : 'claim'} to count by`);
      return s.type === 'Header' ? { type: 'Header', name: s.name.toLowerCase() } : { type: 'JWTClaim', claim: s.name };
    default:
      throw new SectionError(`${field}.type`, `unknown selector type "${s.type}"`, 'use ClientIP, Header, JWTClaim, APIKey, Path or Method');
  }
}

function rules(list: RateLimitRule[] | undefined, field: string): RateLimitRuleIR[] {
  if (!list || list.length === 0) throw new SectionError(field, 'no rules', `add at least one rule to ${field}, or remove it`);
  return list.map((r, i) => {
    const f = `${field}[${i}]`;
    const windowMs = UNIT_MS[r.limit?.unit as keyof typeof UNIT_MS];
    if (windowMs === undefined) throw new SectionError(`${f}.limit.unit`, `unknown unit "${r.limit?.unit}"`, 'use Second, Minute, Hour or Day');
    if (!Number.isInteger(r.limit.requests) || r.limit.requests < 1) throw new SectionError(`${f}.limit.requests`, 'must be a whole number of at least 1', 'set a positive request count');
    return { requests: r.limit.requests, windowMs, keys: (r.selectors ?? []).map((s, j) => selector(s, `${f}.selectors[${j}]`)) };
  });
}

export function compileRateLimit(id: string, spec: RateLimitSpec, field: string): RateLimitIR {
  if (!spec.local && !spec.global) throw new SectionError(field, 'neither local nor global is set', `set ${field}.local or ${field}.global`);
  return {
    id,
    ...(spec.local ? { local: rules(spec.local.rules, `${field}.local.rules`) } : {}),
    ...(spec.global ? { global: rules(spec.global.rules, `${field}.global.rules`) } : {}),
    shadow: spec.shadow ?? false,
    failOpen: spec.global?.failOpen ?? true,
    headers: spec.headers ?? true,
  };
}

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)([KMGT]i?|[kmgt])?$/;
const FACTOR: Record<string, number> = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6, g: 1e9, G: 1e9, t: 1e12, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

/** A Kubernetes quantity ("10Mi", "512k", "1000") in bytes; undefined when it is not one. */
export function quantityBytes(q: string): number | undefined {
  const m = QUANTITY.exec(q);
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * FACTOR[m[2] ?? '']!);
}

export function compileRequestBody(spec: RequestBodySpec, field: string): ClientLimitsIR {
  const n = quantityBytes(spec.maxSize ?? '');
  if (n === undefined || n < 1) throw new SectionError(`${field}.maxSize`, `"${spec.maxSize}" is not a size`, 'write a quantity such as 10Mi, 512Ki or 1000000');
  return { maxRequestBodyBytes: n };
}

const ALGO: Record<string, CompressionAlgorithm> = { Brotli: 'br', Gzip: 'gzip', Zstd: 'zstd' };

export function compileCompression(spec: CompressionSpec): CompressionIR {
  return {
    algorithms: (spec.algorithms ?? ['Brotli', 'Gzip']).map((a) => ALGO[a]!).filter(Boolean),
    minBytes: spec.minContentLength ?? 1024,
    contentTypes: (spec.contentTypes ?? []).map((t) => t.toLowerCase()),
  };
}

export function compileCustomResponse(r: CustomResponse, field: string): FixedResponseIR {
  if (!Number.isInteger(r.statusCode) || r.statusCode < 200 || r.statusCode > 599) {
    throw new SectionError(`${field}.statusCode`, `${r.statusCode} is not a status a response can have here`, 'use a status from 200 to 599');
  }
  return { status: r.statusCode, headers: (r.headers ?? []).map((h) => ({ name: h.name, value: h.value })), ...(r.body !== undefined ? { body: r.body } : {}) };
}

function statusMatch(list: StatusCodeMatch[], field: string): ResponseOverrideIR['match'] {
  const codes: number[] = [];
  const ranges: { from: number; to: number }[] = [];
  list.forEach((m, i) => {
    const f = `${field}[${i}]`;
    if (m.type === 'Value') {
      if (m.value === undefined) throw new SectionError(`${f}.value`, 'a Value match needs value', `set ${f}.value`);
      codes.push(m.value);
    } else {
      if (!m.range || m.range.start > m.range.end) throw new SectionError(`${f}.range`, 'a Range match needs start <= end', `set ${f}.range.start and .end`);
      ranges.push({ from: m.range.start, to: m.range.end });
    }
  });
  return { codes, ranges };
}

export function compileResponseOverride(list: ResponseOverride[], field: string): ResponseOverrideIR[] {
  return list.map((o, i) => ({
    match: statusMatch(o.match?.statusCodes ?? [], `${field}[${i}].match.statusCodes`),
    response: compileCustomResponse(o.response, `${field}[${i}].response`),
  }));
}

export function compileCircuitBreaker(spec: CircuitBreakerSpec): CircuitBreakerIR {
  return {
    ...(spec.maxConnections !== undefined ? { maxConnections: spec.maxConnections } : {}),
    ...(spec.maxParallelRequests !== undefined ? { maxParallelRequests: spec.maxParallelRequests } : {}),
    ...(spec.maxPendingRequests !== undefined ? { maxPendingRequests: spec.maxPendingRequests } : {}),
    ...(spec.retryBudget ? { retryBudget: { percent: spec.retryBudget.percent ?? 20, minRetryConcurrency: spec.retryBudget.minRetryConcurrency ?? 3 } } : {}),
  };
}

function duration(v: string | undefined, dflt: number, field: string): number {
  if (v === undefined) return dflt;
  const ms = parseDuration(v);
  if (ms === undefined || ms <= 0) throw new SectionError(field, `"${v}" is not a duration`, 'write a duration such as 5s or 500ms');
  return ms;
}

export function compileHealthCheck(spec: HealthCheckSpec, field: string): TrafficHealthCheckIR {
  const out: TrafficHealthCheckIR = {};
  const a = spec.active;
  if (a) {
    const f = `${field}.active`;
    let probe: ActiveHealthCheckIR['probe'];
    if (a.type === 'HTTP') {
      if (!a.http?.path) throw new SectionError(`${f}.http.path`, 'an HTTP check needs a path', `set ${f}.http.path, e.g. /healthz`);
      const m = a.http.expectedStatuses ? statusMatch(a.http.expectedStatuses, `${f}.http.expectedStatuses`) : { codes: [], ranges: [{ from: 200, to: 299 }] };
      probe = { type: 'HTTP', path: a.http.path, method: a.http.method ?? 'GET', ...(a.http.hostname ? { host: a.http.hostname } : {}),
        expectedStatuses: [...m.codes.map((c) => ({ from: c, to: c })), ...m.ranges] };
    } else if (a.type === 'TCP') {
      probe = { type: 'TCP', ...(a.tcp?.send !== undefined ? { send: a.tcp.send } : {}), ...(a.tcp?.receive !== undefined ? { receive: a.tcp.receive } : {}) };
    } else if (a.type === 'GRPC') {
      probe = { type: 'GRPC', service: a.grpc?.service ?? '' };
    } else {
      throw new SectionError(`${f}.type`, `unknown check type "${(a as { type: string }).type}"`, 'use HTTP, TCP or GRPC');
    }
    out.active = {
      probe,
      intervalMs: duration(a.interval, 5000, `${f}.interval`),
      timeoutMs: duration(a.timeout, 1000, `${f}.timeout`),
      healthyThreshold: a.healthyThreshold ?? 1,
      unhealthyThreshold: a.unhealthyThreshold ?? 3,
    };
  }
  const p = spec.passive;
  if (p) {
    const f = `${field}.passive`;
    const o: OutlierDetectionIR = {};
    if (p.consecutive5xx !== undefined) o.consecutive5xx = p.consecutive5xx;
    if (p.consecutiveGatewayFailure !== undefined) o.consecutiveGatewayFailure = p.consecutiveGatewayFailure;
    if (p.consecutiveLocalOriginFailure !== undefined) o.consecutiveLocalOriginFailure = p.consecutiveLocalOriginFailure;
    if (p.baseEjectionTime !== undefined) o.baseEjectionMs = duration(p.baseEjectionTime, 0, `${f}.baseEjectionTime`);
    if (p.maxEjectionTime !== undefined) o.maxEjectionMs = duration(p.maxEjectionTime, 0, `${f}.maxEjectionTime`);
    if (p.maxEjectionPercent !== undefined) o.maxEjectionPercent = p.maxEjectionPercent;
    out.passive = o;
  }
  if (!out.active && !out.passive) throw new SectionError(field, 'neither active nor passive is set', `set ${field}.active or ${field}.passive`);
  return out;
}

// RFC 6265 cookie-name (an RFC 7230 token); path and domain must not carry ";" or control
// characters, so no setting can add attributes to the Set-Cookie line.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const ATTRIBUTE_VALUE = /^[^;\x00-\x20\x7f]*$/;

/** The attributes of the cookie a Cookie hash issues; undefined when it issues none. */
function hashCookie(c: ConsistentHashCookieSpec, field: string): HashCookieIR | undefined {
  if (c.generate === false) return undefined;
  let maxAgeS: number | undefined;
  if (c.ttl !== undefined) {
    const ms = parseDuration(c.ttl);
    if (ms === undefined || ms < 0) throw new SectionError(`${field}.ttl`, `"${c.ttl}" is not a duration`, 'write a duration such as 24h or 30m (absent or 0s: a session cookie)');
    if (ms > 0) maxAgeS = Math.ceil(ms / 1000);
  }
  const path = c.path ?? '/';
  if (!path.startsWith('/') || !ATTRIBUTE_VALUE.test(path)) throw new SectionError(`${field}.path`, `"${path}" is not a cookie path`, 'write a path that starts with / and has no ";", spaces or control characters');
  if (c.domain !== undefined && !/^\.?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(c.domain)) {
    throw new SectionError(`${field}.domain`, `"${c.domain}" is not a domain`, 'write a lower-case DNS name such as example.com');
  }
  const sameSite = c.sameSite ?? 'Lax';
  // Browsers drop a SameSite=None cookie without Secure.
  if (sameSite === 'None' && c.secure === false) throw new SectionError(`${field}.secure`, 'SameSite=None needs Secure (browsers refuse the cookie otherwise)', `remove ${field}.secure: false or choose sameSite Lax or Strict`);
  const secure = sameSite === 'None' ? true : c.secure;
  return {
    ...(maxAgeS !== undefined ? { maxAgeS } : {}),
    path,
    ...(c.domain !== undefined ? { domain: c.domain } : {}),
    ...(secure !== undefined ? { secure } : {}),
    httpOnly: c.httpOnly ?? true,
    sameSite,
  };
}

export function compileLoadBalancer(spec: LoadBalancerSpec, field: string): LoadBalancerIR {
  switch (spec.type) {
    case 'RoundRobin': return { type: 'RoundRobin' };
    case 'LeastRequest': return { type: 'LeastRequest' };
    case 'ConsistentHash': {
      const h = spec.consistentHash;
      if (!h) throw new SectionError(`${field}.consistentHash`, 'ConsistentHash needs consistentHash', `set ${field}.consistentHash.type to Header, Cookie or SourceIP`);
      const f = `${field}.consistentHash`;
      if (h.cookie !== undefined && h.type !== 'Cookie') throw new SectionError(`${f}.cookie`, `cookie settings are for type Cookie, not ${h.type}`, `remove ${f}.cookie or set ${f}.type to Cookie`);
      if (h.type === 'SourceIP') return { type: 'ConsistentHash', hashOn: { type: 'SourceIP' } };
      if (!h.name) throw new SectionError(`${f}.name`, `hashing on a ${h.type} needs its name`, `set ${f}.name`);
      if (h.type === 'Header') return { type: 'ConsistentHash', hashOn: { type: 'Header', name: h.name.toLowerCase() } };
      if (!TOKEN.test(h.name)) throw new SectionError(`${f}.name`, `"${h.name}" is not a cookie name`, 'use letters, digits and !#$%&\'*+-.^_`|~ only');
      const issue = hashCookie(h.cookie ?? {}, `${f}.cookie`);
      return { type: 'ConsistentHash', hashOn: { type: 'Cookie', name: h.name, ...(issue ? { issue } : {}) } };
    }
    default:
      throw new SectionError(`${field}.type`, `unknown load balancer "${(spec as { type: string }).type}"`, 'use RoundRobin, LeastRequest or ConsistentHash');
  }
}
