// Flag helpers shared by the verbs. Parsing and help live in command.ts.
import { HelpRequested, UsageError, wantsHelp } from './command.ts';
import { parseArgs, type ParseArgsConfig } from 'node:util';

export { UsageError };

/**
 * The older per-verb parser (options + a hand-written usage string), kept for verbs that have
 * not moved to a Command table yet: it still answers `--help` with exit 0.
 */
export function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, usage: string) {
  if (wantsHelp(args)) throw new HelpRequested(usage);
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${usage}`);
  }
}

export function intFlag(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${name} must be an integer 0..65535, got ${value}`);
  return n;
}

export const DEFAULT_CONTROLLER = 'portico.dev/gateway-controller';

export const DEFAULT_LEASE_NAME = 'portico-leader';

/** Where --probes listens in a pod by default (the kubelet's probes and Prometheus scrape it). */
export const PROBES_PORT = 9902;

/** Namespaces and Lease names are DNS labels/subdomains; a typo should fail here, not as a 404 later. */
export function dnsLabelFlag(value: string, name: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(value)) throw new UsageError(`--${name} must be a lowercase DNS name, got ${value}`);
  return value;
}

/** A duration in seconds (fractions allowed, e.g. 0.5), returned in milliseconds. */
export function secondsFlag(value: string | undefined, name: string, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 86_400) throw new UsageError(`--${name} must be a number of seconds 0..86400, got ${value}`);
  return Math.round(n * 1000);
}

/** A non-negative integer up to `max` (sizes, counts). */
export function countFlag(value: string | undefined, name: string, max = 2 ** 31 - 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > max) throw new UsageError(`--${name} must be an integer 0..${max}, got ${value}`);
  return n;
}
