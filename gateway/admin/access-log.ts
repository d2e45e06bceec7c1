// The access log: one line per finished HTTP request or L4 connection (TCP, TLS, UDP flow),
// written through pino. JSON by default ("level":"info", then every chosen field on every line,
// null when it does not apply), or text (the values space-separated, "-" when absent). Sampling happens before any
// formatting, so a sampled-out request costs one Math.random(); requests with response flags are
// always logged, because they are the ones somebody will look for.
import { pino, type DestinationStream } from 'pino';
import type { AccessRecord } from '../dataplane/observer.ts';

export const ACCESS_LOG_FIELDS = [
  'time', 'gateway', 'listener', 'protocol', 'clientAddress', 'clientPort', 'method', 'authority', 'path',
  'status', 'grpcStatus', 'responseFlags', 'bytesIn', 'bytesOut', 'durationMs', 'upstreamMs', 'upstreamAddress',
  'route', 'rule', 'ruleName', 'backend', 'attempts', 'userAgent', 'requestId', 'traceId',
] as const satisfies readonly (keyof AccessRecord)[];
export type AccessLogField = (typeof ACCESS_LOG_FIELDS)[number];

export type AccessLogMode = 'off' | 'stdout' | 'stderr';
export type AccessLogFormat = 'json' | 'text';

export interface AccessLogOptions {
  mode: AccessLogMode;
  format: AccessLogFormat;
  fields: readonly AccessLogField[];
  /** Share of requests logged, 0..1 (requests with response flags are always logged). */
  sample: number;
}

export const DEFAULT_ACCESS_LOG: AccessLogOptions = { mode: 'stdout', format: 'json', fields: ACCESS_LOG_FIELDS, sample: 1 };

export function parseAccessLogMode(value: string | undefined): AccessLogMode {
  if (value === undefined) return 'stdout';
  if (value === 'stdout' || value === 'stderr' || value === 'off') return value;
  throw new Error(`--access-log must be off, stdout or stderr, got ${value}`);
}

export function parseAccessLogFormat(value: string | undefined): AccessLogFormat {
  if (value === undefined || value === 'json') return 'json';
  if (value === 'text') return 'text';
  throw new Error(`--access-log-format must be json or text, got ${value}`);
}

export function parseAccessLogFields(value: string | undefined): AccessLogField[] {
  if (value === undefined) return [...ACCESS_LOG_FIELDS];
  const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = names.filter((n) => !(ACCESS_LOG_FIELDS as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0) {
    throw new Error(`--access-log-fields: unknown field ${unknown.join(', ') || '(none given)'}; known: ${ACCESS_LOG_FIELDS.join(',')}`);
  }
  return names as AccessLogField[];
}

export function parseSampleRatio(value: string | undefined, flag: string): number {
  if (value === undefined) return 1;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new Error(`--${flag} must be a number from 0 to 1, got ${value}`);
  return n;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

function valueOf(r: AccessRecord, f: AccessLogField): unknown {
  switch (f) {
    case 'durationMs': return round3(r.durationMs);
    case 'upstreamMs': return r.upstreamMs === undefined ? null : round3(r.upstreamMs);
    case 'responseFlags': return r.responseFlags ?? [];
    default: return r[f] ?? null;
  }
}

function textValue(v: unknown): string {
  if (v === null || v === '' || (Array.isArray(v) && v.length === 0)) return '-';
  if (Array.isArray(v)) return v.join(',');
  const s = String(v);
  return /[\s"]/.test(s) ? JSON.stringify(s) : s;
}

/**
 * The observer hook for the access log, or undefined when it is off (then the data plane does
 * not call anything for it). `stream` receives whole lines.
 */
export function createAccessLog(o: AccessLogOptions, stream: DestinationStream): ((r: AccessRecord) => void) | undefined {
  if (o.mode === 'off') return undefined;
  const fields = o.fields;
  // Lines keep pino's "level":"info" first: with --access-log stderr they share a stream with the
  // process log, and the level tells them apart.
  const p = pino({ base: null, timestamp: false, formatters: { level: (label) => ({ level: label }) } }, stream);
  const sample = o.sample;
  const write = o.format === 'json'
    ? (r: AccessRecord) => {
      const line: Record<string, unknown> = {};
      for (const f of fields) line[f] = valueOf(r, f);
      p.info(line);
    }
    : (r: AccessRecord) => {
      let text = '';
      for (const f of fields) text += (text === '' ? '' : ' ') + textValue(valueOf(r, f));
      stream.write(text + '\n');
    };
  return (r) => {
    if (sample < 1 && r.responseFlags === undefined && Math.random() >= sample) return;
    try {
      write(r);
    } catch {
      // never let logging break a request
    }
  };
}
