// Differential test: for generated manifest sets (seeded, bounded), three views must agree:
// - validate: validateOffline() with the tenancy rules, what synth and `portico validate` report;
// - translate: the status translate() writes (and its decisions);
// - serve: the in-process pipeline with the real data plane, probed with real HTTP requests on
//   loopback (is the listener's port open, does a request for the route reach its backend).
// Agreement, per set:
// 1. every False Accepted/ResolvedRefs condition translate writes is a validate error with the same
//    object and reason (a missing backend Service is a validate warning instead: validate assumes
//    Services outside the manifests exist), and every non-tenancy validate error is such a condition;
// 2. serve writes the same route status; a port is open exactly when one of its listeners is
//    Programmed; a request reaches the route's backend exactly on the listeners translate says
//    took the route (answering 500 when its backend does not resolve), and nowhere else;
// 3. wherever serve serves a tenant's route on a listener the tenant may not use, or under a
//    hostname it does not own, validate reports ListenerNotAllowed / HostnameNotOwned for it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, request, type Server } from 'node:http';
import { fromObjects } from '../../gateway/model/index.ts';
import { translate } from '../../gateway/translator/index.ts';
import type { Problem, ResourceStatus, TranslateResult } from '../../gateway/translator/api.ts';
import { tenancyRules, validateOffline, ownsHostname } from '../../gateway/validate/index.ts';
import { createMemoryProvider } from '../../gateway/provider/memory.ts';
import { startPipeline, type Pipeline, type PipelineState } from '../../gateway/pipeline.ts';
import { createAddressAssigner } from '../../gateway/pipeline/addresses.ts';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import { probeAddress } from '../../gateway/runtime/node.ts';
import { generateSet, type GeneratedSet } from './generate.ts';
import { byType, type Conditions, freeOffset, isOpen, statusOf } from './status-and-ports.ts';

const CONTROLLER = 'portico.dev/gateway-controller';
const NOW = '2026-01-01T00:00:00Z';
const SEED = 20261206;
const SETS = 16;
const TENANCY_REASONS = new Set(['ListenerNotAllowed', 'HostnameNotOwned', 'OutsideTenantNamespaces', 'TenantMayNotDeclare', 'PolicyNotAllowed']);



function routeConditions(statuses: ResourceStatus[], namespace: string, name: string): Conditions | undefined {
  const s = statusOf(statuses, 'HTTPRoute', namespace, name);
  return s ? byType(s.parents?.[0]?.conditions) : undefined;
}

function listenerConditions(statuses: ResourceStatus[]): Map<string, Conditions> {
  const gw = statusOf(statuses, 'Gateway', 'infra', 'edge');
  return new Map((gw?.listeners ?? []).map((l: any) => [l.name, byType(l.conditions)]));
}

/** Echo backend: answers 200 with the path it was asked for. */
async function startEcho(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => res.end(JSON.stringify({ path: req.url })));
  await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  return { server, port: (server.address() as { port: number }).port };
}




function get(port: number, host: string, path: string): Promise<{ status: number; body: string } | 'refused'> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => done({ status: res.statusCode!, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${host}${path} on ${port}`)));
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNREFUSED' ? done('refused') : fail(err)));
    req.end();
  });
}

const reached = (r: Awaited<ReturnType<typeof get>>, path: string) => r !== 'refused' && r.status === 200 && r.body.includes(`"path":"${path}`);
const concrete = (h: string) => (h.startsWith('*') ? `z${h.slice(1)}` : h);

interface Tally { sets: number; clean: number; translatorErrors: number; tenancyErrors: number; served: number; failedBackend: number; notServed: number; closedPorts: number }

function checkValidateAgainstTranslate(set: GeneratedSet, problems: Problem[], t: TranslateResult, tally: Tally): void {
  const errors = problems.filter((p) => p.severity === 'error');
  const has = (kind: string, name: string, reason: string, severity = 'error') =>
    problems.some((p) => p.severity === severity && p.ref.kind === kind && p.ref.name === name && p.reason === reason);
  const where = `seed ${set.seed}`;
  const firstFailing = new Map<string, string>();
  for (const [name, c] of listenerConditions(t.statuses)) {
    const failing = ['Accepted', 'ResolvedRefs'].find((type) => c[type]?.status === 'False');
    if (!failing) continue;
    firstFailing.set(name, c[failing].reason);
    assert.ok(has('Gateway', 'edge', c[failing].reason), `${where}: listener ${name} ${failing}=False/${c[failing].reason} but validate does not report it:\n${errors.map((e) => JSON.stringify(e)).join('\n')}`);
  }
  for (const e of errors.filter((p) => p.ref.kind === 'Gateway')) {
    assert.ok([...firstFailing.values()].includes(e.reason), `${where}: validate reports ${e.reason} on the Gateway (${e.field}) but no listener status says so`);
  }
  for (const r of set.routes) {
    const c = routeConditions(t.statuses, r.namespace, r.name);
    if (!c) continue;
    if (c.Accepted.status === 'False') assert.ok(has('HTTPRoute', r.name, c.Accepted.reason), `${where}: route ${r.namespace}/${r.name} Accepted=False/${c.Accepted.reason}, not reported by validate`);
    if (c.ResolvedRefs.status === 'False') {
      // validate assumes a Service outside the manifests exists (a warning); serve reports it missing.
      if (c.ResolvedRefs.reason === 'BackendNotFound') {
        const ref = set.objects.find((o) => o.kind === 'HTTPRoute' && o.metadata.name === r.name)!.spec.rules[0].backendRefs[0];
        const svc = `${ref.namespace ?? r.namespace}/${ref.name}`;
        assert.ok(problems.some((p) => p.severity === 'warning' && p.reason === 'AssumedExternal' && p.message.startsWith(`Service ${svc} `)), `${where}: route ${r.name} BackendNotFound (${svc}) without an AssumedExternal warning`);
      }
      else assert.ok(has('HTTPRoute', r.name, c.ResolvedRefs.reason), `${where}: route ${r.namespace}/${r.name} ResolvedRefs=False/${c.ResolvedRefs.reason}, not reported by validate`);
    }
  }
  for (const e of errors.filter((p) => p.ref.kind === 'HTTPRoute')) {
    if (TENANCY_REASONS.has(e.reason)) { tally.tenancyErrors++; continue; }
    tally.translatorErrors++;
    const c = routeConditions(t.statuses, e.ref.namespace!, e.ref.name);
    assert.ok(c && Object.values(c).some((x) => x.status === 'False' && x.reason === e.reason), `${where}: validate reports ${e.reason} on HTTPRoute ${e.ref.namespace}/${e.ref.name} ${e.field}, its status does not`);
  }
  assert.equal(errors.filter((p) => p.ref.kind !== 'HTTPRoute' && p.ref.kind !== 'Gateway').map((p) => `${p.ref.kind} ${p.reason}`), [], `${where}: unexpected problems`);
  if (errors.length === 0) tally.clean++;
}

async function checkServe(set: GeneratedSet, problems: Problem[], t: TranslateResult, served: PipelineState, offset: number, tally: Tally): Promise<void> {
  const where = `seed ${set.seed}`;
  assert.equal(served.apply.errors ?? [], [], `${where}: the data plane could not bind (another process on the port?)`);
  // serve writes the status translate computes
  for (const r of set.routes) assert.equal(routeConditions(served.statuses, r.namespace, r.name), routeConditions(t.statuses, r.namespace, r.name), `${where}: route ${r.name} status differs between translate and serve`);
  const gatewaySpec = set.objects.find((o) => o.kind === 'Gateway')!.spec.listeners as { name: string; port: number; hostname?: string }[];
  const listenerStatus = listenerConditions(served.statuses);
  for (const port of set.ports) {
    const programmed = gatewaySpec.some((l) => l.port === port && listenerStatus.get(l.name)?.Programmed?.status === 'True');
    const open = await isOpen(port + offset);
    if (!open) tally.closedPorts++;
    assert.is(open, programmed, `${where}: port ${port} open=${open} but a listener on it Programmed=${programmed}`);
  }
  const tenantOf = (ns: string) => set.tenants.find((x) => x.namespaces.includes(ns));
  for (const r of set.routes) {
    const decision = t.decisions.parents.find((d) => d.route.name === r.name && d.route.namespace === r.namespace);
    const c = routeConditions(t.statuses, r.namespace, r.name);
    const probe = `${r.path}/probe`;
    for (const l of gatewaySpec) {
      const verdict = decision?.listeners.find((v) => v.name === l.name);
      const takes = !!verdict?.attached && !!decision?.accepted;
      const host = concrete(verdict?.hostnames[0] ?? r.hostnames[0] ?? l.hostname ?? 'z.example.net');
      const res = await get(l.port + offset, host, probe);
      if (!takes) {
        tally.notServed++;
        assert.not.ok(reached(res, probe), `${where}: ${r.name} reached its backend through listener ${l.name} (${host}), which translate says does not take it`);
        continue;
      }
      if (c?.ResolvedRefs.status === 'False') {
        tally.failedBackend++;
        assert.ok(res !== 'refused' && res.status === 500, `${where}: ${r.name} on ${l.name}: backend does not resolve (${c.ResolvedRefs.reason}), want 500, got ${JSON.stringify(res)}`);
        continue;
      }
      tally.served++;
      assert.ok(reached(res, probe), `${where}: ${r.name} on listener ${l.name} (${host}${probe}) should reach its backend, got ${JSON.stringify(res)}`);
      // 3. tenancy: served outside the tenant's listeners or hostnames only with a validate error
      const tenant = tenantOf(r.namespace);
      if (!tenant) continue;
      const mine = problems.filter((p) => p.severity === 'error' && p.ref.kind === 'HTTPRoute' && p.ref.name === r.name && p.ref.namespace === r.namespace);
      const listenerAllowed = tenant.listeners.some((x) => x.sectionName === l.name);
      if (!listenerAllowed) {
        assert.ok(mine.some((p) => p.reason === 'ListenerNotAllowed' && p.message.includes(`listener "${l.name}"`)), `${where}: ${r.name} of tenant ${tenant.name} is served on listener ${l.name} but validate does not report ListenerNotAllowed`);
      }
      // A route without hostnames on a listener it may not use is reported for the listener; the
      // listener's hostnames are judged where the tenant may attach.
      if (!ownsHostname(tenant, host) && (r.hostnames.length > 0 || listenerAllowed)) {
        assert.ok(mine.some((p) => p.reason === 'HostnameNotOwned'), `${where}: ${r.name} of tenant ${tenant.name} is served for ${host} but validate does not report HostnameNotOwned`);
      }
    }
  }
}

test('validate, translate and serve agree on generated manifest sets (valid, invalid, tenancy violations)', async () => {
  const echo = await startEcho();
  const sets = Array.from({ length: SETS }, (_, i) => generateSet(SEED + i, echo.port));
  const offset = await freeOffset([...new Set(sets.flatMap((s) => s.ports))]);
  const provider = createMemoryProvider([], () => NOW);
  // Removed listeners need not drain for long: no client holds a connection between sets.
  const dataplane = createDataplane({ portOffset: offset, drainTimeoutMs: 100 });
  let latest: PipelineState | undefined;
  const errors: string[] = [];
  let pipeline: Pipeline | undefined;
  const tally: Tally = { sets: 0, clean: 0, translatorErrors: 0, tenancyErrors: 0, served: 0, failedBackend: 0, notServed: 0, closedPorts: 0 };
  try {
    pipeline = await startPipeline({
      provider, dataplane, translate, now: () => NOW,
      translateOptions: { controllerName: CONTROLLER },
      addresses: createAddressAssigner({ bind: '127.0.0.1', probe: probeAddress }),
      publish: (s) => { latest = s; }, onError: (stage, err) => errors.push(`${stage}: ${String(err)}`),
    });
    for (const set of sets) {
      // Given one generated set
      // When validated (as synth / portico validate), translated, and served
      const { problems } = validateOffline({ objects: set.objects, controllerNames: [CONTROLLER], now: NOW, hooks: [tenancyRules({ tenants: set.tenants })] });
      const t = translate(fromObjects(set.objects).snapshot, { controllerName: CONTROLLER, now: NOW });
      provider.set(set.objects);
      await pipeline.idle();
      assert.equal(errors, [], `seed ${set.seed}: pipeline errors`);
      // Then the three agree
      checkValidateAgainstTranslate(set, problems, t, tally);
      await checkServe(set, problems, t, latest!, offset, tally);
      tally.sets++;
    }
  } finally {
    await pipeline?.stop();
    await dataplane.close(0);
    await new Promise((r) => echo.server.close(r));
  }
  // The sets exercised every outcome (the test would notice if the generator stopped doing so).
  assert.is(tally.sets, SETS);
  for (const k of ['clean', 'translatorErrors', 'tenancyErrors', 'served', 'failedBackend', 'notServed', 'closedPorts'] as const) {
    assert.ok(tally[k] > 0, `no generated set produced any ${k}: ${JSON.stringify(tally)}`);
  }
});

test.run();
