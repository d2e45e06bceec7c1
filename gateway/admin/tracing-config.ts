// When tracing is on and how, from CLI flags and the standard OTEL_* environment variables
// (pure: the environment comes in as a function). Tracing is on when an OTLP endpoint is given
// (--otlp-endpoint, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT) or
// OTEL_TRACES_EXPORTER=otlp, and not switched off by OTEL_SDK_DISABLED=true or
// OTEL_TRACES_EXPORTER=none. Export is OTLP over HTTP/protobuf only.

export interface TracingConfig {
  /** Full traces URL (…/v1/traces) from --otlp-endpoint; undefined = the exporter reads OTEL_EXPORTER_OTLP_*. */
  url?: string;
  /** Respect the client's sampled flag (parentbased_*), and sample new traces at this ratio. */
  parentBased: boolean;
  ratio: number;
  /** OTEL_BSP_SCHEDULE_DELAY: how long spans wait before a batch is exported. */
  scheduleDelayMs: number;
  /** OTEL_BSP_MAX_QUEUE_SIZE: spans beyond it are dropped, never blocking a request. */
  maxQueueSize: number;
}

export interface TracingFlags {
  otlpEndpoint?: string;
  sampleRatio?: number;
}

const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'];

function ratioArg(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 1;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error(`OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, got ${value}`);
  return n;
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${value}`);
  return n;
}

/** The tracing setup, or undefined when tracing is off. Throws (a usage error) on bad values. */
export function tracingConfig(flags: TracingFlags, env: (name: string) => string | undefined): TracingConfig | undefined {
  const exporter = env('OTEL_TRACES_EXPORTER')?.trim().toLowerCase();
  const envEndpoint = env('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? env('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (flags.otlpEndpoint === undefined) {
    if (env('OTEL_SDK_DISABLED')?.trim().toLowerCase() === 'true' || exporter === 'none') return undefined;
    if (envEndpoint === undefined && exporter !== 'otlp') return undefined;
  }
  if (exporter !== undefined && exporter !== 'otlp' && exporter !== 'none') {
    throw new Error(`OTEL_TRACES_EXPORTER=${exporter} is not supported; Portico exports traces with otlp (or none)`);
  }
  const protocol = env('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? env('OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocol !== undefined && protocol !== 'http/protobuf') {
    throw new Error(`OTLP protocol ${protocol} is not supported; Portico exports over http/protobuf`);
  }
  if (flags.otlpEndpoint !== undefined && !/^https?:\/\/[^/]/.test(flags.otlpEndpoint)) {
    throw new Error(`--otlp-endpoint wants an http(s) URL of the traces endpoint (e.g. http://collector:4318/v1/traces), got ${flags.otlpEndpoint}`);
  }
  let parentBased = true;
  let ratio = 1;
  const sampler = env('OTEL_TRACES_SAMPLER')?.trim().toLowerCase();
  if (sampler !== undefined && sampler !== '') {
    if (!SAMPLERS.includes(sampler)) throw new Error(`OTEL_TRACES_SAMPLER=${sampler} is not supported; use one of ${SAMPLERS.join(', ')}`);
    parentBased = sampler.startsWith('parentbased_');
    ratio = sampler.endsWith('always_off') ? 0 : sampler.endsWith('traceidratio') ? ratioArg(env('OTEL_TRACES_SAMPLER_ARG')) : 1;
  }
  if (flags.sampleRatio !== undefined) {
    parentBased = true;
    ratio = flags.sampleRatio;
  }
  return {
    url: flags.otlpEndpoint,
    parentBased,
    ratio,
    scheduleDelayMs: positiveInt(env('OTEL_BSP_SCHEDULE_DELAY'), 'OTEL_BSP_SCHEDULE_DELAY', 5000),
    maxQueueSize: positiveInt(env('OTEL_BSP_MAX_QUEUE_SIZE'), 'OTEL_BSP_MAX_QUEUE_SIZE', 2048),
  };
}
