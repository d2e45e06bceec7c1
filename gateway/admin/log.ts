// The process's own logs (config applied, problems, bind errors, shutdown): one JSON object per
// line through pino, on stderr, so `portico serve | jq` sees only the access log on stdout.
// The Logger shape is a plain function so providers and the data plane need no pino of their own.
import { pino } from 'pino';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  (level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

export function parseLogLevel(value: string | undefined): LogLevel {
  if (value === undefined) return 'info';
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${value}`);
}

/** A pino logger writing whole lines to `write`; `now` stamps them (tests pass a fixed clock). */
export function createLogger(write: (line: string) => void, now: () => string, minLevel: LogLevel = 'info'): Logger {
  const p = pino({
    level: minLevel,
    base: null,
    messageKey: 'msg',
    timestamp: () => `,"time":${JSON.stringify(now())}`,
    formatters: { level: (label) => ({ level: label }) },
  }, { write: (line: string) => write(line.endsWith('\n') ? line.slice(0, -1) : line) });
  return (level, message, fields) => {
    try {
      if (fields === undefined) p[level](message);
      else p[level](fields, message);
    } catch {
      // A field that cannot be serialized must not take the process down with it.
      p[level]({ fields: String(fields) }, message);
    }
  };
}

/** Turns an unknown thrown value into loggable fields (stack included: panics need it). */
export function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { error: err.message, stack: err.stack?.split('\n').slice(0, 6).join('\n') };
  return { error: String(err) };
}
