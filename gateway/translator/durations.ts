// Gateway API durations (GEP-2257): one or more <number><unit> pairs, units h, m, s, ms.
// Returns milliseconds, or undefined for a malformed value (the CRD pattern rejects those).
const PART = /(\d+)(ms|h|m|s)/y;

export function parseDuration(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  let consumed = 0;
  while (consumed < value.length) {
    PART.lastIndex = consumed;
    const m = PART.exec(value);
    if (!m) return undefined;
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
    consumed = PART.lastIndex;
  }
  return total;
}
