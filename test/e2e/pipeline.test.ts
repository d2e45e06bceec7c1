// The pipeline with its real provider, address assigner and status post-processing. The
// translator and data plane are injected: a small translator that is easy to make throw,
// and a recording data plane that reports the bind errors a test asks for.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Snapshot } from '../../gateway/model/index.ts';
import type { RoutingTable } from '../../gateway/ir/index.ts';
import type { TranslateOptions, TranslateResult } from '../../gateway/translator/api.ts';
import type { ApplyResult } from '../../gateway/dataplane/api.ts';
import { createMemoryProvider } from '../../gateway/provider/memory.ts';
import { startPipeline, type PipelineState } from '../../gateway/pipeline.ts';
import { createAddressAssigner } from '../../gateway/pipeline/addresses.ts';
import { probeAddress } from '../../gateway/runtime/node.ts';

function tinyTranslate(s: Snapshot, o: TranslateOptions): TranslateResult {
  const table: RoutingTable = { gateways: [] };
  const statuses: TranslateResult['statuses'] = [];
  for (const g of s.gateways) {
    if (g.metadata.annotations?.['test/throw']) throw new Error('translator bug');
    const gen = g.metadata.generation ?? 1;
    table.gateways.push({
      key: `${g.metadata.namespace}/${g.metadata.name}`, namespace: g.metadata.namespace!, name: g.metadata.name,
      addresses: (g.spec?.addresses ?? []).filter((a) => (a.type ?? 'IPAddress') === 'IPAddress').map((a) => a.value!),
      ports: (g.spec?.listeners ?? []).map((l) => ({ port: l.port, transport: 'tcp' as const, listeners: [] })),
    });
    const programmed = g.metadata.annotations?.['test/programmed'] ?? 'True';
    statuses.push({
      ref: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: g.metadata.namespace, name: g.metadata.name }, generation: gen,
      status: { addresses: [], conditions: [
        { type: 'Accepted', status: 'True', reason: 'Accepted', message: '', observedGeneration: gen, lastTransitionTime: o.now },
        { type: 'Programmed', status: programmed, reason: programmed === 'True' ? 'Programmed' : 'Invalid', message: '', observedGeneration: gen, lastTransitionTime: o.now },
      ] },
    });
  }
  return { table, statuses, problems: [], decisions: { parents: [], references: [] } };
}

function recordingDataplane(bindErrorsFor: Set<string> = new Set()) {
  const applied: RoutingTable[] = [];
  return {
    applied,
    async apply(table: RoutingTable): Promise<ApplyResult> {
      applied.push(table);
      const errors = table.gateways.filter((g) => bindErrorsFor.has(g.key))
        .flatMap((g) => g.addresses.map((address) => ({ gateway: g.key, address, port: g.ports[0]?.port ?? 0, message: 'EADDRINUSE' })));
      return { listening: [], errors };
    },
  };
}

const gw = (name: string, extra: Record<string, unknown> = {}, annotations: Record<string, string> = {}) => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name, namespace: 'apps', annotations },
  spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }], ...extra },
});

async function run(objects: unknown[], opts: { pool?: string; bindErrors?: Set<string> } = {}) {
  let tick = 0;
  const now = () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)).toISOString();
  const provider = createMemoryProvider(objects, now);
  const dataplane = recordingDataplane(opts.bindErrors);
  const published: PipelineState[] = [];
  const errors: { stage: string; err: unknown }[] = [];
  const pipeline = await startPipeline({
    provider, dataplane, translate: tinyTranslate, now,
    translateOptions: { controllerName: 'portico.dev/gateway-controller' },
    addresses: createAddressAssigner({ pool: opts.pool, bind: '127.0.0.1', probe: probeAddress }),
    publish: (s) => published.push(s), onError: (stage, err) => errors.push({ stage, err }),
  });
  await pipeline.idle();
  return { provider, dataplane, published, errors, pipeline };
}

const gwStatus = (s: PipelineState, name: string) => s.statuses.find((x) => x.ref.name === name)!.status as any;
const cond = (s: PipelineState, name: string, type: string) => gwStatus(s, name).conditions.find((c: any) => c.type === type);

test('a translator exception keeps the last good table serving; the next good update applies', async () => {
  const r = await run([gw('a')]);
  try {
    assert.is(r.dataplane.applied.length, 1);
    r.provider.set([gw('a'), gw('b', {}, { 'test/throw': 'yes' })]);
    await r.pipeline.idle();
    assert.is(r.dataplane.applied.length, 1, 'nothing applied after the exception');
    assert.is(r.published.length, 1);
    assert.is(r.errors.length, 1);
    assert.is(r.errors[0].stage, 'translate');
    r.provider.set([gw('a'), gw('b')]);
    await r.pipeline.idle();
    assert.is(r.dataplane.applied.length, 2);
    assert.equal(r.dataplane.applied[1].gateways.map((g) => g.key), ['apps/a', 'apps/b']);
    assert.is(r.published.at(-1)!.generation, 2);
  } finally {
    await r.pipeline.stop();
  }
});

test('each Gateway gets its own pool address, stable across reloads, and reported in status', async () => {
  const r = await run([gw('m'), gw('n')], { pool: '127.0.1.0/24' });
  try {
    const first = r.published[0];
    assert.equal(gwStatus(first, 'm').addresses, [{ type: 'IPAddress', value: '127.0.1.1' }]);
    assert.equal(gwStatus(first, 'n').addresses, [{ type: 'IPAddress', value: '127.0.1.2' }]);
    // A Gateway that sorts first arrives later: it must not take over anyone's address.
    r.provider.set([gw('a'), gw('m'), gw('n')]);
    await r.pipeline.idle();
    const next = r.published.at(-1)!;
    assert.equal(gwStatus(next, 'm').addresses[0].value, '127.0.1.1');
    assert.equal(gwStatus(next, 'n').addresses[0].value, '127.0.1.2');
    assert.equal(gwStatus(next, 'a').addresses[0].value, '127.0.1.3');
    assert.equal(r.dataplane.applied.at(-1)!.gateways.find((g) => g.name === 'a')!.addresses, ['127.0.1.3']);
  } finally {
    await r.pipeline.stop();
  }
});

test('a requested address this host cannot bind is left out and makes Programmed False AddressNotUsable', async () => {
  const addresses = [{ type: 'IPAddress', value: '192.0.2.123' }, { type: 'IPAddress', value: '127.0.0.1' }];
  const r = await run([gw('s', { addresses })]);
  try {
    const s = r.published[0];
    assert.equal(gwStatus(s, 's').addresses, [{ type: 'IPAddress', value: '127.0.0.1' }]);
    const p = cond(s, 's', 'Programmed');
    assert.is(p.status, 'False');
    assert.is(p.reason, 'AddressNotUsable');
    assert.match(p.message, '192.0.2.123');
    assert.is(cond(s, 's', 'Accepted').status, 'True');
    assert.equal(r.dataplane.applied[0].gateways[0].addresses, ['127.0.0.1']);
    assert.ok(s.problems.some((x) => x.reason === 'AddressNotUsable'));
    // Dropping the unusable address makes it Programmed.
    r.provider.set([gw('s', { addresses: [addresses[1]] })]);
    await r.pipeline.idle();
    const p2 = cond(r.published.at(-1)!, 's', 'Programmed');
    assert.is(p2.status, 'True');
    assert.is(p2.reason, 'Programmed');
  } finally {
    await r.pipeline.stop();
  }
});

test('bind errors from the data plane make the Gateway Programmed False; the translator\'s own False wins', async () => {
  const r = await run([gw('busy'), gw('bad', {}, { 'test/programmed': 'False' })], { bindErrors: new Set(['apps/busy', 'apps/bad']) });
  try {
    const s = r.published[0];
    assert.is(cond(s, 'busy', 'Programmed').reason, 'AddressNotUsable');
    assert.match(cond(s, 'busy', 'Programmed').message, 'EADDRINUSE');
    assert.is(cond(s, 'bad', 'Programmed').reason, 'Invalid');
  } finally {
    await r.pipeline.stop();
  }
});

test('lastTransitionTime is kept while a condition is unchanged and moves when it changes', async () => {
  const r = await run([gw('t')]);
  try {
    const t0 = cond(r.published[0], 't', 'Accepted').lastTransitionTime;
    r.provider.set([gw('t', { listeners: [{ name: 'http', port: 81, protocol: 'HTTP' }] })]);
    await r.pipeline.idle();
    const s1 = r.published.at(-1)!;
    assert.is(cond(s1, 't', 'Accepted').lastTransitionTime, t0);
    assert.is(cond(s1, 't', 'Accepted').observedGeneration, 2);
    r.provider.set([gw('t', { listeners: [{ name: 'http', port: 81, protocol: 'HTTP' }] }, { 'test/programmed': 'False' })]);
    await r.pipeline.idle();
    const s2 = r.published.at(-1)!;
    assert.is(cond(s2, 't', 'Accepted').lastTransitionTime, t0);
    assert.is.not(cond(s2, 't', 'Programmed').lastTransitionTime, t0);
  } finally {
    await r.pipeline.stop();
  }
});

test('a burst of updates is coalesced: the pipeline never works through stale states', async () => {
  const r = await run([gw('c')]);
  try {
    for (let i = 0; i < 20; i++) r.provider.set([gw('c', { listeners: [{ name: 'http', port: 1000 + i, protocol: 'HTTP' }] })]);
    await r.pipeline.idle();
    assert.ok(r.dataplane.applied.length < 21, `applied ${r.dataplane.applied.length} times`);
    assert.is(r.dataplane.applied.at(-1)!.gateways[0].ports[0].port, 1019);
  } finally {
    await r.pipeline.stop();
  }
});

test.run();
