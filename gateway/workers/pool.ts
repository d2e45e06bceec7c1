// The control process's side of `serve --workers N`: N data-plane worker processes (node:cluster)
// behind the Dataplane interface the pipeline already uses. apply() ships each new routing table
// (only the ports that changed, see table-delta.ts) to every worker and returns once all of them
// have applied it; a worker that dies is replaced and gets the current table while the others
// serve; /readyz is ready only while every worker has applied the table last published.
// Sockets: each worker binds its own with SO_REUSEPORT where Node and the platform have it
// (reusePortSupported); elsewhere node:cluster shares the control process's listening handle.
import cluster, { type Worker } from 'node:cluster';
import { serialize } from 'node:v8';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AggregatorRegistry, Counter, Gauge, type Registry } from 'prom-client';
import type { RoutingTable } from '../ir/index.ts';
import type { ApplyResult, Dataplane } from '../dataplane/api.ts';
import type { Logger } from '../admin/log.ts';
import { encodeTable } from './table-delta.ts';
import { env } from '../runtime/index.ts';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts';

export interface WorkerPoolOptions {
  workers: number;
  init: Omit<WorkerInit, 'type' | 'worker'>;
  log: Logger;
  /** The control process's registry: the pool's own metrics go there. */
  registry: Registry;
  /** How long all workers may take to start. @default 30000 */
  startTimeoutMs?: number;
}

export interface WorkerPool extends Dataplane {
  /** Why /readyz must say 503 (a worker missing or behind the published table); undefined when all are current. */
  notReady(): string | undefined;
  /** Every live worker's metrics merged with the control process's own (sums; see prom-client's AggregatorRegistry). */
  metrics(): Promise<string>;
  /** The live workers' process ids, by slot (tests kill them). */
  pids(): number[];
}

/** SO_REUSEPORT for net and dgram sockets: Node 22.12+ / 23.1+, on Linux and FreeBSD. */
export function reusePortSupported(platform = process.platform, version = process.versions.node): boolean {
  const [major, minor] = version.split('.').map(Number);
  const node = major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
  return node && (platform === 'linux' || platform === 'freebsd');
}

/**
 * A worker's young generation is capped at 16 MiB per semi-space (V8's default cap here is 64).
 * Receiving and compiling a large table is one allocation burst in which most objects survive,
 * and V8 answers it by growing the young generation to its cap, where it then stays: with the
 * bench's 10,000 routes every worker kept a 128 MiB new space, 0 MiB of it in use, for the rest
 * of its life (RSS 211 MiB against 91 MiB with 10 routes). A worker serving 10 routes under load
 * grows its new space to 32 MiB (2 x 16), so the cap leaves the request path as it was; applying
 * a table takes a few more scavenges. An operator's own --max-semi-space-size (on the command
 * line or in NODE_OPTIONS) wins.
 */
export const WORKER_MAX_SEMI_SPACE_MIB = 16;

export function workerExecArgv(execArgv: readonly string[], nodeOptions = ''): string[] {
  const set = (s: string) => /--max[-_]semi[-_]space[-_]size(=|\s|$)/.test(s);
  const out = [...execArgv];
  if (!execArgv.some(set) && !set(nodeOptions)) out.push(`--max-semi-space-size=${WORKER_MAX_SEMI_SPACE_MIB}`);
  // A worker collects once after a whole table, giving the memory of its decoding back (worker-main.ts).
  if (!out.includes('--expose-gc') && !out.includes('--expose_gc')) out.push('--expose-gc');
  return out;
}

interface Slot {
  id: number;
  worker?: Worker;
  ready: boolean;
  startedAt: number;
  /** Consecutive early deaths, for the restart back-off. */
  failures: number;
  /** The table last sent: what the next delta is encoded against. */
  sent?: RoutingTable;
  /** Generation of the table last applied, and what applying it gave. */
  appliedGen: number;
  result?: ApplyResult;
  inflight: Map<number, { gen: number; full: boolean }>;
  restart?: NodeJS.Timeout;
}

const METRICS_TIMEOUT_MS = 2000;
const KILL_GRACE_MS = 5000;
/** How long one worker may take to apply one table (10,000 routes compile in well under this). */
const APPLY_TIMEOUT_MS = 60_000;

export async function startWorkerPool(o: WorkerPoolOptions): Promise<WorkerPool> {
  const { log } = o;
  const here = fileURLToPath(import.meta.url);
  // The sources (.ts, under tsx or type stripping) or the build (.js): the worker entry beside this file.
  cluster.setupPrimary({
    exec: fileURLToPath(new URL(`./worker-main${extname(here)}`, import.meta.url)), args: [], serialization: 'advanced',
    execArgv: workerExecArgv(process.execArgv, env('NODE_OPTIONS')),
  });
  // Without SO_REUSEPORT, workers share the control process's socket and accept themselves:
  // the control process (busy translating at times) must not sit in every accept.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const registers = [o.registry];
  const bytes = new Counter({
    name: 'portico_worker_table_bytes_total', help: 'Bytes of routing-table data sent to data-plane workers, by mode (full table, or only the changed ports).',
    labelNames: ['mode'] as const, registers,
  });
  const restarts = new Counter({ name: 'portico_worker_restarts_total', help: 'Data-plane workers that died and were replaced.', registers });
  new Gauge({ name: 'portico_workers', help: 'Data-plane worker processes configured (--workers).', registers }).set(o.workers);
  bytes.inc({ mode: 'full' }, 0);
  bytes.inc({ mode: 'delta' }, 0);

  const slots: Slot[] = Array.from({ length: o.workers }, (_, i) => ({ id: i + 1, ready: false, startedAt: 0, failures: 0, appliedGen: 0, inflight: new Map() }));
  let current: RoutingTable | undefined;
  let gen = 0;
  /** Generation of the table the last finished apply() installed (what the admin endpoint publishes). */
  let settledGen = 0;
  let draining = false;
  let stopping = false;
  let seq = 0;
  let waiters: (() => void)[] = [];
  const notify = () => { const w = waiters; waiters = []; for (const f of w) f(); };
  /** Resolves when `cond` holds, re-checked on every worker event; false when `ms` runs out first. */
  const until = (cond: () => boolean, ms?: number) => new Promise<boolean>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const check = () => {
      if (cond()) { clearTimeout(timer); return resolve(true); }
      waiters.push(check);
    };
    if (ms !== undefined) timer = setTimeout(() => { waiters = waiters.filter((w) => w !== check); resolve(false); }, ms);
    check();
  });
  // One encoding per (base, next) pair: with all workers in step the table is serialized once.
  let encoded: { next?: RoutingTable; byBase: Map<RoutingTable | undefined, { payload: Uint8Array; full: boolean }> } = { byBase: new Map() };
  const metricReplies = new Map<number, (m: unknown[]) => void>();

  const alive = (s: Slot) => s.worker !== undefined && s.ready;
  const post = (s: Slot, m: ToWorker) => {
    try {
      s.worker?.send(m, undefined, () => { /* a worker that just died: its exit handler takes over */ });
    } catch {
      // the IPC channel closed under us: same
    }
  };

  function sendTable(s: Slot, table: RoutingTable, g: number): void {
    if (encoded.next !== table) encoded = { next: table, byBase: new Map() };
    let e = encoded.byBase.get(s.sent);
    if (e === undefined) {
      const delta = encodeTable(s.sent, table);
      e = { payload: serialize(delta), full: delta.mode === 'full' };
      encoded.byBase.set(s.sent, e);
    }
    s.sent = table;
    const n = ++seq;
    s.inflight.set(n, { gen: g, full: e.full });
    bytes.inc({ mode: e.full ? 'full' : 'delta' }, e.payload.byteLength);
    post(s, { type: 'apply', seq: n, payload: e.payload });
  }

  function onMessage(s: Slot, m: FromWorker): void {
    switch (m.type) {
      case 'ready':
        s.ready = true;
        log('info', 'worker ready', { worker: s.id, pid: s.worker?.process.pid });
        if (draining) post(s, { type: 'drain' });
        if (current !== undefined) sendTable(s, current, gen);
        break;
      case 'applied': {
        const f = s.inflight.get(m.seq);
        s.inflight.delete(m.seq);
        if (f !== undefined && f.gen >= s.appliedGen) { s.appliedGen = f.gen; s.result = m.result; }
        break;
      }
      case 'apply-failed': {
        const f = s.inflight.get(m.seq);
        s.inflight.delete(m.seq);
        log('error', 'worker could not apply a table', { worker: s.id, error: m.error });
        if (f === undefined) break;
        if (!f.full && current !== undefined) {
          // The delta referred to something the worker no longer holds: send the whole table.
          s.sent = undefined;
          sendTable(s, current, gen);
        } else if (f.gen >= s.appliedGen) {
          s.appliedGen = f.gen;
          s.result = { listening: [], errors: [{ gateway: '', address: '', port: 0, message: `worker ${s.id}: ${m.error}` }] };
        }
        break;
      }
      case 'metrics':
        metricReplies.get(m.seq)?.(m.metrics);
        break;
    }
    notify();
  }

  function start(s: Slot): void {
    s.restart = undefined;
    // No cluster credentials in a worker's environment (the control process holds them).
    const w = cluster.fork({ KUBECONFIG: undefined, PORTICO_WORKER: String(s.id) });
    Object.assign(s, { worker: w, ready: false, startedAt: Date.now(), sent: undefined, appliedGen: 0, result: undefined });
    s.inflight.clear();
    w.on('message', (m: FromWorker) => onMessage(s, m));
    w.on('error', () => { /* IPC errors end in 'exit' */ });
    w.on('exit', (code, signal) => {
      if (s.worker !== w) return;
      s.worker = undefined;
      s.ready = false;
      s.inflight.clear();
      notify();
      if (stopping) return;
      restarts.inc();
      // A worker that dies right after starting is restarted with a growing delay, not in a loop.
      s.failures = Date.now() - s.startedAt < 10_000 ? s.failures + 1 : 0;
      const delayMs = s.failures === 0 ? 0 : Math.min(5000, 100 * 2 ** (s.failures - 1));
      log('warn', 'worker exited; starting a replacement', { worker: s.id, pid: w.process.pid, code, signal, delayMs });
      s.restart = setTimeout(() => start(s), delayMs);
    });
    log('info', 'worker started', { worker: s.id, pid: w.process.pid });
    post(s, { type: 'init', worker: s.id, ...o.init });
  }

  for (const s of slots) start(s);
  if (!(await until(() => slots.every(alive), o.startTimeoutMs ?? 30_000))) {
    stopping = true;
    for (const s of slots) { clearTimeout(s.restart); s.worker?.kill('SIGKILL'); }
    throw new Error(`data-plane workers did not start within ${(o.startTimeoutMs ?? 30_000) / 1000} s (started: ${slots.filter(alive).length} of ${o.workers})`);
  }

  let queue: Promise<unknown> = Promise.resolve();
  async function doApply(table: RoutingTable): Promise<ApplyResult> {
    current = table;
    const g = ++gen;
    for (const s of slots) if (alive(s) && s.sent !== table) sendTable(s, table, g);
    // Every live worker has its copy: the encoding (4.7 MiB for 10,000 routes) is not kept for
    // the life of the table; a worker that starts later gets the table encoded for it.
    encoded = { byBase: new Map() };
    // Done when every live worker has applied it (a worker that starts meanwhile gets it on
    // 'ready'; one that dies is not waited for). At least one must answer, for the result.
    const done = () => slots.some((s) => alive(s) && s.appliedGen >= g) && slots.every((s) => !alive(s) || s.appliedGen >= g);
    while (!(await until(done, APPLY_TIMEOUT_MS))) {
      // A worker that does not answer holds every reload up: it is replaced (and gets this table).
      for (const s of slots) {
        if (!alive(s) || s.appliedGen >= g) continue;
        log('error', 'worker did not apply a table in time; replacing it', { worker: s.id, pid: s.worker?.process.pid, waitedMs: APPLY_TIMEOUT_MS });
        s.worker?.kill('SIGKILL');
      }
    }
    settledGen = g;
    return merge(slots.filter((s) => alive(s) && s.result !== undefined).map((s) => s.result!));
  }

  return {
    apply(table) {
      const p = queue.then(() => doApply(table));
      queue = p.catch(() => undefined);
      return p;
    },
    current: () => current,
    drain() {
      draining = true;
      for (const s of slots) post(s, { type: 'drain' });
    },
    async close(drainMs = o.init.drainTimeoutMs) {
      stopping = true;
      for (const s of slots) clearTimeout(s.restart);
      for (const s of slots) post(s, { type: 'close', drainMs });
      if (!(await until(() => slots.every((s) => s.worker === undefined), drainMs + KILL_GRACE_MS))) {
        for (const s of slots) s.worker?.kill('SIGKILL');
        await until(() => slots.every((s) => s.worker === undefined), KILL_GRACE_MS);
      }
    },
    notReady() {
      const behind = slots.filter((s) => !alive(s) || s.appliedGen < settledGen);
      if (behind.length === 0) return undefined;
      return behind.map((s) => `worker ${s.id} ${alive(s) ? 'has not applied the current table yet' : 'is starting'}`).join('; ');
    },
    async metrics() {
      const own = await o.registry.getMetricsAsJSON();
      const replies = await Promise.all(slots.filter(alive).map((s) => new Promise<unknown[] | undefined>((resolve) => {
        const n = ++seq;
        const t = setTimeout(() => { metricReplies.delete(n); resolve(undefined); }, METRICS_TIMEOUT_MS);
        metricReplies.set(n, (m) => { clearTimeout(t); metricReplies.delete(n); resolve(m); });
        post(s, { type: 'metrics', seq: n });
      })));
      const all = [own, ...replies.filter((r) => r !== undefined)] as Parameters<typeof AggregatorRegistry.aggregate>[0];
      return AggregatorRegistry.aggregate(all).metrics();
    },
    pids: () => slots.map((s) => s.worker?.process.pid ?? 0),
  };
}

/** One ApplyResult for the pipeline: sockets as the first worker reports them, every error once. */
function merge(results: ApplyResult[]): ApplyResult {
  const errors = new Map<string, ApplyResult['errors'][number]>();
  const faults = new Map<string, NonNullable<ApplyResult['listenerErrors']>[number]>();
  for (const r of results) {
    for (const e of r.errors) errors.set(`${e.gateway}|${e.address}|${e.port}|${e.message}`, e);
    for (const f of r.listenerErrors ?? []) faults.set(`${f.gateway}|${f.listener}|${f.message}`, f);
  }
  return { listening: results[0]?.listening ?? [], errors: [...errors.values()], listenerErrors: [...faults.values()] };
}
