// One measurement of one target under one load, with the facts needed to trust it: the target's
// CPU time per request and memory, and whether something else on the machine was busy while it
// ran (a quiet check before, and the machine's CPU use not accounted for by the run itself).
import { cpuSeconds, machineBusySeconds, rssMiB } from './sys.ts';
import type { LoadResult } from './load.ts';

export interface Measured extends LoadResult {
  target: string;
  /** CPU time of the target's process tree per request, in microseconds. */
  cpuUsPerRequest: number;
  rssMiB: number;
  /** Cores' worth of CPU used by processes outside this run while it was measured. */
  otherCores: number;
  busy: boolean;
}

/** Busy cores over a short idle window: what the rest of the machine is doing right now. */
export async function quietCores(ms = 500): Promise<number> {
  const b0 = machineBusySeconds();
  await new Promise((r) => setTimeout(r, ms));
  return (machineBusySeconds() - b0) / (ms / 1000);
}

/** Waits (up to `tries` times 3 s) for the machine to be quiet; returns the last reading. */
export async function waitQuiet(limitCores: number, tries = 5): Promise<number> {
  let c = await quietCores();
  for (let i = 0; i < tries && c > limitCores; i++) {
    await new Promise((r) => setTimeout(r, 3000));
    c = await quietCores();
  }
  return c;
}

/**
 * Runs `load` against a target whose process tree is `pid`; `accounted` are the other pids of
 * the run (origin, load generator is counted through its own pid callback).
 */
export async function measure(target: string, pid: number, accounted: number[], load: (onSpawn: (pid: number) => void) => Promise<LoadResult>, busyLimit: number): Promise<Measured> {
  const before = await waitQuiet(busyLimit);
  const cpu0 = cpuSeconds(pid);
  const acc0 = accounted.reduce((a, p) => a + cpuSeconds(p), 0);
  const m0 = machineBusySeconds();
  const t0 = performance.now();
  let loaderPid = 0;
  let loaderCpu = 0;
  let poll: NodeJS.Timeout | undefined;
  const res = await load((p) => {
    loaderPid = p;
    // The load generator's CPU is read while it runs (it is gone when the result is parsed).
    poll = setInterval(() => { const c = cpuSeconds(loaderPid); if (c > 0) loaderCpu = c; }, 200);
  });
  clearInterval(poll);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  const acc = accounted.reduce((a, p) => a + cpuSeconds(p), 0) - acc0;
  const machine = machineBusySeconds() - m0;
  // The loader's last sample can be up to 200 ms short: allow for it before calling a run busy.
  const otherCores = Math.max(0, (machine - cpu - acc - loaderCpu) / seconds - 0.1);
  return {
    ...res, target,
    cpuUsPerRequest: res.requests > 0 ? (cpu / res.requests) * 1e6 : NaN,
    rssMiB: rssMiB(pid), otherCores,
    busy: before > busyLimit || otherCores > busyLimit,
  };
}
