// The control plane, top to bottom:
//   provider ──snapshot──▶ inbox (latest wins) ──▶ certificate checks ──▶ translate ──▶ assign addresses
//            ──▶ dataplane.apply(table) ──▶ patch + stabilize status ──▶ publish (admin, provider)
// A stage that throws is logged and the update dropped: the data plane keeps serving the
// last table it accepted, and the next snapshot starts afresh.
import type { ResourceStatus } from './translator/api.ts';
import { createChannel } from './util/channel.ts';
import { createPkiGate } from './provider/pki.ts';
import { patchGatewayAddresses, patchListenerFaults, stabilizeTransitions } from './pipeline/status.ts';
import { publishedAddresses } from './pipeline/published-addresses.ts';
import type { Snapshot } from './model/index.ts';
import type { Pipeline, PipelineOptions, ProviderUpdate } from './pipeline/types.ts';

export type { Pipeline, PipelineOptions, PipelineState, Provider, ProviderUpdate } from './pipeline/types.ts';

export async function startPipeline(o: PipelineOptions): Promise<Pipeline> {
  // Each update carries its sequence number so idle() knows whether the newest one is done.
  const inbox = createChannel<{ update: ProviderUpdate; seq: number }>();
  let previous: ResourceStatus[] = [];
  // Statuses the translator reused are compared with the previous translation's: only
  // trustworthy when that translation's update went all the way through.
  let previousComplete = false;
  let generation = 0;
  let received = 0;
  let processed = 0;
  let idleWaiters: (() => void)[] = [];
  // Certificates are parsed and matched here, once, and the verdicts ride on the snapshot: a
  // bad Secret then fails only its own listener, and a bad rotation keeps the last good one.
  const pki = createPkiGate();

  function published(snapshot: Snapshot) {
    const ref = o.publishService;
    if (!ref) return undefined;
    const [ns, name] = ref.split('/');
    const service = snapshot.services.find((s) => s.metadata.namespace === ns && s.metadata.name === name);
    return (key: string) => publishedAddresses(snapshot.gateways.find((g) => `${g.metadata.namespace}/${g.metadata.name}` === key), service, ref);
  }

  async function handle(u: ProviderUpdate): Promise<void> {
    const t0 = performance.now();
    let stage = 'inspect';
    const trusted = previousComplete;
    try {
      const now = o.now();
      const snapshot = pki.pass(u.snapshot);
      stage = 'translate';
      previousComplete = false;
      const result = o.translate(snapshot, { ...o.translateOptions, now });
      const translateMs = performance.now() - t0;
      stage = 'addresses';
      const plan = await o.addresses.assign(result.table);
      stage = 'apply';
      const t1 = performance.now();
      const apply = await o.dataplane.apply(plan.table);
      const applyMs = performance.now() - t1;
      stage = 'status';
      const faults = patchListenerFaults(patchGatewayAddresses(result.statuses, plan, apply, now, published(snapshot)), apply, now, plan.table);
      const statuses = stabilizeTransitions(previous, faults.statuses, trusted ? o.unchangedStatus : undefined);
      previous = statuses;
      previousComplete = true;
      const problems = [...u.problems, ...result.problems, ...plan.problems, ...faults.problems];
      o.publish({
        generation: ++generation, appliedAt: now, reloadMs: performance.now() - t0, translateMs, applyMs, snapshot,
        table: plan.table, statuses, problems, apply, sources: u.sources,
      });
      stage = 'write-status';
      await o.provider.writeStatus?.(statuses, snapshot);
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
