// The control plane, top to bottom:
//   provider ──snapshot──▶ inbox (latest wins) ──▶ translate ──▶ assign addresses
//            ──▶ dataplane.apply(table) ──▶ patch + stabilize status ──▶ publish (admin, provider)
// A stage that throws is logged and the update dropped: the data plane keeps serving the
// last table it accepted, and the next snapshot starts afresh.
import type { Snapshot } from './model/index.ts';
import type { RoutingTable } from './ir/index.ts';
import type { Problem, ResourceStatus, TranslateOptions, TranslateResult } from './translator/api.ts';
import type { ApplyResult, Dataplane } from './dataplane/api.ts';
import { createChannel } from './util/channel.ts';
import type { AddressAssigner } from './pipeline/addresses.ts';
import { patchGatewayAddresses, stabilizeTransitions } from './pipeline/status.ts';

export interface ProviderUpdate {
  snapshot: Snapshot;
  /** Problems found before translation (unparseable files, missing paths...). */
  problems: Problem[];
  /** Where each object came from ("group/Kind/ns/name" → file), when the provider knows. */
  sources?: Map<string, string>;
}

export interface Provider {
  /** Delivers the first snapshot, then one per change. */
  start(onUpdate: (update: ProviderUpdate) => void): Promise<void>;
  close(): Promise<void>;
  /** Write status back where it belongs (a cluster); file/memory providers have nowhere to. */
  writeStatus?(statuses: ResourceStatus[], snapshot: Snapshot): Promise<void>;
}

export interface PipelineState {
  /** Counts successfully applied configs, from 1. */
  generation: number;
  appliedAt: string;
  reloadMs: number;
  snapshot: Snapshot;
  table: RoutingTable;
  statuses: ResourceStatus[];
  problems: Problem[];
  apply: ApplyResult;
  sources?: Map<string, string>;
}

export interface PipelineOptions {
  provider: Provider;
  dataplane: Pick<Dataplane, 'apply'>;
  translate: (snapshot: Snapshot, opts: TranslateOptions) => TranslateResult;
  translateOptions: Omit<TranslateOptions, 'now'>;
  addresses: AddressAssigner;
  now: () => string;
  publish: (state: PipelineState) => void;
  onError?: (stage: string, err: unknown) => void;
}

export interface Pipeline {
  /** Resolves once every update received so far has been processed (tests, readiness). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPipeline(o: PipelineOptions): Promise<Pipeline> {
  // Each update carries its sequence number so idle() knows whether the newest one is done.
  const inbox = createChannel<{ update: ProviderUpdate; seq: number }>();
  let previous: ResourceStatus[] = [];
  let generation = 0;
  let received = 0;
  let processed = 0;
  let idleWaiters: (() => void)[] = [];

  async function handle(u: ProviderUpdate): Promise<void> {
    const t0 = performance.now();
    let stage = 'translate';
    try {
      const now = o.now();
      const result = o.translate(u.snapshot, { ...o.translateOptions, now });
      stage = 'addresses';
      const plan = await o.addresses.assign(result.table);
      stage = 'apply';
      const apply = await o.dataplane.apply(plan.table);
      stage = 'status';
      const statuses = stabilizeTransitions(previous, patchGatewayAddresses(result.statuses, plan, apply, now));
      previous = statuses;
      const problems = [...u.problems, ...result.problems, ...plan.problems];
      o.publish({
        generation: ++generation, appliedAt: now, reloadMs: performance.now() - t0, snapshot: u.snapshot,
        table: plan.table, statuses, problems, apply, sources: u.sources,
      });
      stage = 'write-status';
      await o.provider.writeStatus?.(statuses, u.snapshot);
    } catch (err) {
      o.onError?.(stage, err);
    }
  }

  async function loop(): Promise<void> {
    for (let item = await inbox.take(); item; item = await inbox.take()) {
      await handle(item.update);
      processed = item.seq;
      if (processed === received) { for (const w of idleWaiters) w(); idleWaiters = []; }
    }
  }

  const done = loop();
  await o.provider.start((update) => inbox.put({ update, seq: ++received }));
  return {
    idle: () => (processed === received ? Promise.resolve() : new Promise((r) => idleWaiters.push(r))),
    async stop() {
      await o.provider.close();
      inbox.close();
      await done;
      for (const w of idleWaiters) w();
    },
  };
}
