// Structured logs: one JSON object per line. Access records go to stdout (they are data);
// everything else goes to stderr, so `portico serve | jq` sees only traffic.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  (level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(write: (line: string) => void, now: () => string, minLevel: LogLevel = 'info'): Logger {
  const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
  return (level, message, fields) => {
    if (rank[level] < rank[minLevel]) return;
    let line: string;
    try {
      line = JSON.stringify({ time: now(), level, msg: message, ...fields });
    } catch {
      line = JSON.stringify({ time: now(), level, msg: message, fields: String(fields) });
    }
    write(line);
  };
}

/** Turns an unknown thrown value into loggable fields (stack included: panics need it). */
export function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { error: err.message, stack: err.stack?.split('\n').slice(0, 6).join('\n') };
  return { error: String(err) };
}
