// Gateway API durations (GEP-2257): "1h", "30s", "500ms", combinations like "1m30s". Props take a
// cdk8s Duration so units are explicit; this renders it in the canonical form.
import { Duration } from 'cdk8s';

/** Renders a Duration as a GEP-2257 string; throws for sub-millisecond or negative values. */
export function toGatewayDuration(d: Duration, field: string): string {
  const total = d.toMilliseconds();
  if (!Number.isInteger(total) || total < 0) {
    throw new Error(`${field} is ${total}ms; use a whole, non-negative number of milliseconds`);
  }
  if (total === 0) return '0s';
  let rest = total;
  let out = '';
  for (const [unit, ms] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(rest / ms);
    if (n > 0) { out += `${n}${unit}`; rest -= n * ms; }
  }
  return out;
}
