// Fuzz iterations: small and seeded for CI (bounded time, reproducible); FUZZ_RUNS=N (and
// FUZZ_SEED) for longer runs, e.g. `FUZZ_RUNS=20000 npm run test:security`.
export function fuzzRuns(ciDefault: number): number {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : ciDefault;
}
