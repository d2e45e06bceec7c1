// One case end to end: materialize, start pods and the gateway, check status, send requests, steps.
import type { CaseSpec, ConditionSpec } from './case-types.ts';
import type { CertStore } from './certs.ts';
import { checkAll, type ConditionEnv, statusKey } from './checks/conditions.ts';
import { runRequests } from './checks/requests.ts';
import type { Timing } from './checks/timing.ts';
import { freePort, GatewayProcess, type StatusObject } from './gateway-process.ts';
import type { TypedAddress } from './placeholders.ts';
import type { AddressPool } from './pods.ts';
import { applyStep } from './steps.ts';
import { World } from './world.ts';

export interface RunContext {
  manifestsRoot: string;
  certs: CertStore;
  podAddresses: AddressPool;
  controllerName: string;
  gatewayClassName: string;
  addressPool: string;
  usable: TypedAddress[];
  unusable: TypedAddress[];
  timing: Timing;
  verbose: boolean;
}

export interface CaseResult {
  name: string;
  result: 'PASS' | 'FAIL' | 'SKIP';
  reason: string;
  ms: number;
  supportedFeatures?: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function featureNames(gatewayClassStatus: any): string[] {
  return ((gatewayClassStatus?.supportedFeatures ?? []) as (string | { name: string })[]).map((f) => (typeof f === 'string' ? f : f.name));
}

async function waitConditions(gw: GatewayProcess, env: Omit<ConditionEnv, 'status' | 'seen'>, conds: ConditionSpec[], timeoutMs: number): Promise<string | undefined> {
  if (conds.length === 0) return undefined;
  const deadline = Date.now() + timeoutMs;
  const seen = new Map<number, number>();
  let last: string | undefined = 'no status read';
  while (Date.now() < deadline) {
    let status: StatusObject[];
    try { status = await gw.status(); } catch (e) { last = (e as Error).message; await sleep(250); continue; }
    last = checkAll({ ...env, status, seen }, conds);
    if (!last) return undefined;
    await sleep(250);
  }
  return `status: ${last}`;
}

/**
 * Starts the gateway; when another process (a second run on this machine) holds one of its
 * listener ports, retries with the offset shifted (listener ports stay below 10000, slots are
 * 10000 apart, so a shift below 500 stays inside this slot).
 */
async function startGateway(world: World, ctx: RunContext, baseOffset: number): Promise<{ gw: GatewayProcess; portOffset: number }> {
  for (let attempt = 0; ; attempt++) {
    const portOffset = baseOffset + (attempt === 0 ? 0 : 1 + Math.floor(Math.random() * 499));
    const gw = new GatewayProcess({ manifestsDir: world.dir, controllerName: ctx.controllerName, portOffset, addressPool: ctx.addressPool, adminPort: await freePort() });
    gw.start();
    try {
      await gw.waitReady(ctx.timing.maxTimeMs);
      return { gw, portOffset };
    } catch (e) {
      const busy = /EADDRINUSE/.test(gw.tail(60));
      await gw.stop();
      if (!busy || attempt >= 3) throw e;
    }
  }
}

export async function runCase(spec: CaseSpec, ctx: RunContext, slot: { portOffset: number }): Promise<CaseResult> {
  const started = Date.now();
  let gw: GatewayProcess | undefined;
  const done = (result: CaseResult['result'], reason: string, supportedFeatures?: string[]): CaseResult => ({
    name: spec.name, result, ms: Date.now() - started, supportedFeatures,
    // With --verbose a failure carries the gateway's last log lines (problems, listen errors).
    reason: result === 'FAIL' && ctx.verbose && gw ? `${reason}\n${gw.tail()}` : reason,
  });
  if (spec.harness === 'unsupported') return done('SKIP', `harness unsupported: ${spec.harnessNote}`);
  const world = new World(spec, { ...ctx, manifestsRoot: ctx.manifestsRoot, certs: ctx.certs, podAddresses: ctx.podAddresses });
  try {
    await world.init();
    const endpointDeployments = (spec.steps ?? []).flatMap((s) => (s.setEndpoints ?? []).map((e) => `${e.endpointsOf.namespace ?? e.namespace}/${e.endpointsOf.name}`));
    await world.startPods(endpointDeployments);
    const launched = await startGateway(world, ctx, slot.portOffset);
    gw = launched.gw;

    const status = await gw.status();
    const cls = status.find((o) => o.kind === 'GatewayClass' && o.metadata.name === ctx.gatewayClassName);
    const supported = featureNames(cls?.status);
    const has = (f: string) => supported.includes(f);
    // Upstream's test function returns early without an assertion in these cases, which Go's
    // test runner (and so the upstream report) counts as passed (FORMAT.md).
    if (spec.skipIfSupported?.some(has)) return done('PASS', `upstream returns early: ${spec.skipIfSupported.filter(has).join(', ')} supported`, supported);
    if (spec.skipUnlessSupported && !spec.skipUnlessSupported.every(has)) return done('PASS', `upstream returns early: ${spec.skipUnlessSupported.filter((f) => !has(f)).join(', ')} not supported`, supported);

    const condEnv = {
      live: (k: string, ns: string | undefined, n: string) => world.store.get(k, ns, n),
      controllerName: ctx.controllerName, gatewayClassName: ctx.gatewayClassName,
      addresses: { usable: ctx.usable, unusable: ctx.unusable },
    };
    const reqEnv = { spec, world, gateway: gw, certs: ctx.certs, portOffset: launched.portOffset, timing: ctx.timing };
    let err = await waitConditions(gw, condEnv, spec.conditions, ctx.timing.maxTimeMs);
    if (err) return done('FAIL', err, supported);
    err = await runRequests(reqEnv, spec.requests ?? []);
    if (err) return done('FAIL', err, supported);

    for (const [i, step] of (spec.steps ?? []).entries()) {
      const before = new Map<string, number | undefined>();
      for (const o of await gw.status()) before.set(statusKey(o.kind, o.metadata.namespace, o.metadata.name), o.metadata.generation);
      await applyStep(world, step);
      err = await waitConditions(gw, { ...condEnv, before }, step.conditions ?? [], ctx.timing.maxTimeMs);
      if (!err) err = await runRequests(reqEnv, step.requests ?? []);
      if (err) return done('FAIL', `step ${i + 1}${step.note ? ` (${step.note.slice(0, 60)})` : ''}: ${err}`, supported);
    }
    return done('PASS', '', supported);
  } catch (e) {
    return done('FAIL', (e as Error).message);
  } finally {
    await gw?.stop();
    await world.close();
  }
}
