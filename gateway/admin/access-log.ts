// The access log: the data plane's AccessRecord, one JSON line per request or connection.
import type { AccessRecord } from '../dataplane/observer.ts';

export type AccessLogMode = 'off' | 'stdout';

export function parseAccessLogMode(value: string | undefined): AccessLogMode {
  if (value === undefined || value === 'stdout') return 'stdout';
  if (value === 'off') return 'off';
  throw new Error(`--access-log must be off or stdout, got ${value}`);
}

export function createAccessLog(mode: AccessLogMode, write: (line: string) => void): (r: AccessRecord) => void {
  if (mode === 'off') return () => {};
  return (r) => {
    try { write(JSON.stringify(r)); } catch { /* never let logging break a request */ }
  };
}
