// A data-plane worker process (`portico serve --workers N`): it serves the listeners of the
// routing table its control process sends, and nothing else. It loads only serving modules (no
// YAML, schema, CEL, translator or Kubernetes client: test/architecture.test.ts checks the import
// graph), holds no Kubernetes credentials, and obeys only its control process: a SIGINT or SIGTERM
// sent to the whole process group is ignored here, because the control process drains every worker
// in order; when the control process goes away (its IPC channel closes), the worker exits.
import { deserialize } from 'node:v8';
import { createDataplane } from '../dataplane/index.ts';
import type { Dataplane } from '../dataplane/api.ts';
import type { RoutingTable } from '../ir/index.ts';
import { createMetrics } from '../admin/metrics.ts';
import { createLogger } from '../admin/log.ts';
import { createServingObserver, type ServingObserver } from '../admin/observer.ts';
import { nowIso, writeStderr } from '../runtime/index.ts';
import { decodeTable, type TableDelta } from './table-delta.ts';
import { shareStrings } from './share-strings.ts';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts';

function send(m: FromWorker): void {
  process.send?.(m);
}

let dataplane: Dataplane | undefined;
let serving: ServingObserver | undefined;
let metrics: ReturnType<typeof createMetrics> | undefined;
/** The last table received (decoded), the base of the next delta. */
let held: RoutingTable | undefined;
let closing = false;
// Applies run one after another, in the order they were sent.
let queue: Promise<void> = Promise.resolve();

async function init(m: WorkerInit): Promise<void> {
  const base = createLogger(writeStderr, nowIso, m.logLevel);
  const log: typeof base = (level, message, fields) => base(level, message, { worker: m.worker, ...fields });
  metrics = createMetrics({ defaultMetrics: true });
  serving = await createServingObserver({ accessLog: m.accessLog, tracing: m.tracing, metrics, log });
  dataplane = createDataplane({
    portOffset: m.portOffset, observer: serving.observer, sessionKey: Buffer.from(m.sessionKey),
    drainTimeoutMs: m.drainTimeoutMs, clientLimits: m.clientLimits, reusePort: m.reusePort, rateLimit: m.rateLimit, upstream: m.upstream,
  });
  send({ type: 'ready' });
}

async function apply(seq: number, payload: Uint8Array): Promise<void> {
  let table: RoutingTable;
  let full = false;
  try {
    // One instance per distinct string: deserialize() copies each occurrence (see share-strings.ts).
    const delta = shareStrings(deserialize(payload) as TableDelta);
    full = delta.mode === 'full';
    table = decodeTable(held, delta);
  } catch (err) {
    held = undefined;
    return send({ type: 'apply-failed', seq, error: (err as Error).message });
  }
  held = table;
  try {
    const result = await dataplane!.apply(table);
    if (full) releaseStartupGarbage();
    send({ type: 'applied', seq, result });
  } catch (err) {
    send({ type: 'apply-failed', seq, error: (err as Error).message });
  }
}

/**
 * After a whole table (a worker's first, or a resend), one full collection that also gives memory
 * back: decoding and compiling a large table leaves its garbage in an old generation grown for it
 * and a young generation at its cap, which V8 would otherwise return only after a minute or more
 * of idleness (with 10,000 routes: RSS 153-161 MiB at ready). `gc` is there because the pool
 * starts workers with --expose-gc (pool.ts workerExecArgv); 'last-resort' is V8's
 * memory-reducing flavour. Done before the worker says 'applied', so a worker that is ready has
 * it behind it; a delta (one changed host) does not pay it.
 */
function releaseStartupGarbage(): void {
  const gc = (globalThis as { gc?: (o: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void }).gc;
  gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

async function close(drainMs: number): Promise<void> {
  if (closing) return;
  closing = true;
  await queue;
  await dataplane?.close(drainMs);
  await serving?.close();
  process.exit(0);
}

process.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'init':
      queue = queue.then(() => init(m)).catch((err: unknown) => {
        writeStderr(JSON.stringify({ level: 'error', time: nowIso(), msg: 'worker failed to start', error: String(err) }));
        process.exit(1);
      });
      break;
    case 'apply': queue = queue.then(() => apply(m.seq, m.payload)); break;
    case 'drain': void queue.then(() => dataplane?.drain()); break;
    case 'close': void close(m.drainMs); break;
    case 'metrics':
      // Answered at once, not behind a running apply: a scrape must not wait for a reload.
      void (metrics?.registry.getMetricsAsJSON() ?? Promise.resolve([])).then((all) => send({ type: 'metrics', seq: m.seq, metrics: all }));
      break;
  }
});
// The control process decides when workers stop; signals to the process group are its to handle.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
// Orphaned (the control process died): nobody can send tables or drain us any more.
process.on('disconnect', () => void close(0));
