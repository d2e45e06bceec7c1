// Differential test for the L4 route kinds (TCPRoute, UDPRoute, TLSRoute): for generated manifest
// sets (seeded, bounded), validate, translate and serve agree on attachment outcomes.
// 1. every False Accepted/ResolvedRefs condition translate writes on a route or listener is a
//    validate error with the same object and reason (a missing backend Service is a validate
//    warning instead: validate assumes Services outside the manifests exist), and every validate
//    error is such a condition;
// 2. serve writes the same route and listener status (conditions and attachedRoutes); a TCP or TLS
//    port is open exactly when one of its listeners is Programmed;
// 3. a TCP connection reaches the backend of the route translate binds to the listener (the oldest
//    attached route, then "{namespace}/{name}"), and is closed without a byte when no route is
//    bound or its backend does not resolve; a UDP datagram is answered by the bound route's backend.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, createServer as createTcpServer, type Server } from 'node:net';
import { createSocket, type Socket } from 'node:dgram';
import { compareObjects, fromObjects } from '../../gateway/model/index.ts';
import { translate } from '../../gateway/translator/index.ts';
import type { Problem, ResourceStatus, TranslateResult } from '../../gateway/translator/api.ts';
import { validateOffline } from '../../gateway/validate/index.ts';
import { createMemoryProvider } from '../../gateway/provider/memory.ts';
import { startPipeline, type Pipeline, type PipelineState } from '../../gateway/pipeline.ts';
import { createAddressAssigner } from '../../gateway/pipeline/addresses.ts';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import { probeAddress } from '../../gateway/runtime/node.ts';
import { ECHO_NAMESPACES, generateL4Set, type GeneratedL4Set } from './generate-l4.ts';
import { byType, type Conditions, freeOffset, isOpen, statusOf } from './status-and-ports.ts';

const CONTROLLER = 'portico.dev/gateway-controller';
const NOW = '2026-01-01T00:00:00Z';
const SEED = 20261207;
const SETS = 14;

function routeConditions(statuses: ResourceStatus[], kind: string, namespace: string, name: string): Conditions | undefined {
  const s = statusOf(statuses, kind, namespace, name);
  return s ? byType(s.parents?.[0]?.conditions) : undefined;
}

function listenerStatus(statuses: ResourceStatus[]): Map<string, { conditions: Conditions; attachedRoutes: number }> {
  const gw = statusOf(statuses, 'Gateway', 'infra', 'l4');
  return new Map((gw?.listeners ?? []).map((l: any) => [l.name, { conditions: byType(l.conditions), attachedRoutes: l.attachedRoutes }]));
}

/** Echo servers, one TCP and one UDP per namespace with an echo Service: each answers with its namespace. */
async function startEchoes(): Promise<{ tcp: Record<string, number>; udp: Record<string, number>; close(): Promise<void> }> {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  const tcp: Record<string, number> = {};
  const udp: Record<string, number> = {};
  for (const ns of ECHO_NAMESPACES) {
    // It reads what it is sent (else the peer's FIN stays queued behind unread bytes and the
    // connection never closes), answers with its namespace and closes its side.
    const s = createTcpServer((c) => { c.on('error', () => c.destroy()); c.resume(); c.end(ns); });
    await new Promise<void>((r) => s.listen({ host: '127.0.0.1', port: 0 }, () => r()));
    servers.push(s);
    tcp[ns] = (s.address() as { port: number }).port;
    const u = createSocket('udp4');
    u.on('message', (_m, from) => u.send(ns, from.port, from.address));
    await new Promise<void>((r) => u.bind(0, '127.0.0.1', () => r()));
    sockets.push(u);
    udp[ns] = u.address().port;
  }
  return {
    tcp, udp,
    close: async () => {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      for (const u of sockets) u.close();
    },
  };
}

/** What a TCP client gets: the bytes the far end sent before it closed ('' when closed at once). */
function tcpExchange(port: number): Promise<string | 'refused'> {
  return new Promise((done, fail) => {
    const s = connect({ host: '127.0.0.1', port });
    let got = '';
    s.setEncoding('utf8');
    s.setTimeout(10_000, () => s.destroy(new Error(`no answer and no close on port ${port}`)));
    s.on('data', (d: string) => (got += d));
    s.on('close', () => done(got));
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') done('refused');
      else if (err.code === 'ECONNRESET' || err.code === 'EPIPE') done(got);
      else fail(err);
    });
    s.write('hello\n');
  });
}

/** One datagram out, the first answer back; a few attempts (UDP may drop), each bounded. */
async function udpExchange(port: number): Promise<string | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const answer = await new Promise<string | undefined>((done) => {
      const s = createSocket('udp4');
      const timer = setTimeout(() => { s.close(); done(undefined); }, 1000);
      s.on('message', (m) => { clearTimeout(timer); s.close(); done(m.toString('utf8')); });
      s.send('hello', port, '127.0.0.1');
    });
    if (answer !== undefined) return answer;
  }
  return undefined;
}

interface Tally { sets: number; clean: number; routeErrors: number; listenerErrors: number; attached: number; tcpServed: number; tcpClosed: number; udpServed: number; closedPorts: number }

function checkValidateAgainstTranslate(set: GeneratedL4Set, problems: Problem[], t: TranslateResult, tally: Tally): void {
  const where = `seed ${set.seed}`;
  const errors = problems.filter((p) => p.severity === 'error');
  const has = (kind: string, name: string, reason: string) => errors.some((p) => p.ref.kind === kind && p.ref.name === name && p.reason === reason);
  const listenerReasons = new Set<string>();
  for (const [name, l] of listenerStatus(t.statuses)) {
    const failing = ['Accepted', 'ResolvedRefs'].find((type) => l.conditions[type]?.status === 'False');
    if (!failing) continue;
    listenerReasons.add(l.conditions[failing].reason);
    tally.listenerErrors++;
    assert.ok(has('Gateway', 'l4', l.conditions[failing].reason), `${where}: listener ${name} ${failing}=False/${l.conditions[failing].reason}, not reported by validate`);
  }
  for (const e of errors.filter((p) => p.ref.kind === 'Gateway')) {
    assert.ok(listenerReasons.has(e.reason), `${where}: validate reports ${e.reason} on the Gateway (${e.field}) but no listener status says so`);
  }
  for (const r of set.routes) {
    const c = routeConditions(t.statuses, r.kind, r.namespace, r.name);
    if (!c) continue;
    if (c.Accepted.status === 'False') assert.ok(has(r.kind, r.name, c.Accepted.reason), `${where}: ${r.kind} ${r.namespace}/${r.name} Accepted=False/${c.Accepted.reason}, not reported by validate`);
    if (c.ResolvedRefs.status === 'False') {
      if (c.ResolvedRefs.reason === 'BackendNotFound') {
        const ref = set.objects.find((o) => o.kind === r.kind && o.metadata.name === r.name && o.metadata.namespace === r.namespace)!.spec.rules[0].backendRefs[0];
        const svc = `${ref.namespace ?? r.namespace}/${ref.name}`;
        assert.ok(problems.some((p) => p.severity === 'warning' && p.reason === 'AssumedExternal' && p.message.startsWith(`Service ${svc} `)), `${where}: ${r.kind} ${r.name} BackendNotFound (${svc}) without an AssumedExternal warning`);
      } else assert.ok(has(r.kind, r.name, c.ResolvedRefs.reason), `${where}: ${r.kind} ${r.namespace}/${r.name} ResolvedRefs=False/${c.ResolvedRefs.reason}, not reported by validate`);
    }
  }
  const routeKinds = new Set(['TCPRoute', 'UDPRoute', 'TLSRoute']);
  for (const e of errors.filter((p) => routeKinds.has(p.ref.kind))) {
    tally.routeErrors++;
    const c = routeConditions(t.statuses, e.ref.kind, e.ref.namespace!, e.ref.name);
    assert.ok(c && Object.values(c).some((x) => x.status === 'False' && x.reason === e.reason), `${where}: validate reports ${e.reason} on ${e.ref.kind} ${e.ref.namespace}/${e.ref.name} ${e.field}, its status does not`);
  }
  assert.equal(errors.filter((p) => p.ref.kind !== 'Gateway' && !routeKinds.has(p.ref.kind)).map((p) => `${p.ref.kind} ${p.reason}`), [], `${where}: unexpected problems`);
  if (errors.length === 0) tally.clean++;
}

/** The route translate binds to an L4 listener: of the routes attached to it, the oldest, then by name. */
function boundRoute(set: GeneratedL4Set, t: TranslateResult, listener: string): GeneratedL4Set['routes'][number] | undefined {
  const attached = set.routes.filter((r) => t.decisions.parents.some((d) =>
    d.route.kind === r.kind && d.route.name === r.name && d.route.namespace === r.namespace && d.accepted && d.listeners.some((v) => v.name === listener && v.attached)));
  const obj = (r: GeneratedL4Set['routes'][number]) => set.objects.find((o) => o.kind === r.kind && o.metadata.name === r.name && o.metadata.namespace === r.namespace)!;
  return attached.sort((a, b) => compareObjects(obj(a) as any, obj(b) as any))[0];
}

/** The namespace of the echo Service a route sends to. */
function backendNamespace(set: GeneratedL4Set, r: GeneratedL4Set['routes'][number]): string {
  const ref = set.objects.find((o) => o.kind === r.kind && o.metadata.name === r.name && o.metadata.namespace === r.namespace)!.spec.rules[0].backendRefs[0];
  return ref.namespace ?? r.namespace;
}

async function checkServe(set: GeneratedL4Set, t: TranslateResult, served: PipelineState, offset: number, tally: Tally): Promise<void> {
  const where = `seed ${set.seed}`;
  assert.equal(served.apply.errors ?? [], [], `${where}: the data plane could not bind (another process on the port?)`);
  for (const r of set.routes) {
    assert.equal(routeConditions(served.statuses, r.kind, r.namespace, r.name), routeConditions(t.statuses, r.kind, r.namespace, r.name), `${where}: ${r.kind} ${r.name} status differs between translate and serve`);
  }
  const translated = listenerStatus(t.statuses);
  const listeners = listenerStatus(served.statuses);
  assert.equal(listeners, translated, `${where}: listener status differs between translate and serve`);
  for (const l of set.listeners) {
    const st = listeners.get(l.name)!;
    tally.attached += st.attachedRoutes;
    const programmed = st.conditions.Programmed?.status === 'True';
    if (l.protocol !== 'UDP') {
      const open = await isOpen(l.port + offset);
      if (!open) tally.closedPorts++;
      assert.is(open, programmed, `${where}: port ${l.port} (${l.name}) open=${open} but Programmed=${programmed}`);
    }
    if (!programmed) continue;
    const bound = boundRoute(set, t, l.name);
    const resolves = bound !== undefined && routeConditions(t.statuses, bound.kind, bound.namespace, bound.name)?.ResolvedRefs.status === 'True';
    if (l.protocol === 'TCP') {
      const got = await tcpExchange(l.port + offset);
      if (resolves) {
        tally.tcpServed++;
        assert.is(got, backendNamespace(set, bound!), `${where}: listener ${l.name} should reach ${bound!.kind} ${bound!.namespace}/${bound!.name}'s backend`);
      } else {
        tally.tcpClosed++;
        assert.is(got, '', `${where}: listener ${l.name} has no route with a usable backend (bound: ${bound ? bound.name : 'none'}), yet answered ${JSON.stringify(got)}`);
      }
    } else if (l.protocol === 'UDP' && resolves) {
      tally.udpServed++;
      assert.is(await udpExchange(l.port + offset), backendNamespace(set, bound!), `${where}: listener ${l.name} should reach ${bound!.name}'s backend`);
    }
  }
}

test('validate, translate and serve agree on generated TCPRoute, UDPRoute and TLSRoute sets', async () => {
  const echo = await startEchoes();
  const sets = Array.from({ length: SETS }, (_, i) => generateL4Set(SEED + i, echo));
  const offset = await freeOffset([90, 91, 92, 93]);
  const provider = createMemoryProvider([], () => NOW);
  const dataplane = createDataplane({ portOffset: offset, drainTimeoutMs: 100 });
  let latest: PipelineState | undefined;
  const errors: string[] = [];
  let pipeline: Pipeline | undefined;
  const tally: Tally = { sets: 0, clean: 0, routeErrors: 0, listenerErrors: 0, attached: 0, tcpServed: 0, tcpClosed: 0, udpServed: 0, closedPorts: 0 };
  try {
    pipeline = await startPipeline({
      provider, dataplane, translate, now: () => NOW,
      translateOptions: { controllerName: CONTROLLER },
      addresses: createAddressAssigner({ bind: '127.0.0.1', probe: probeAddress }),
      publish: (s) => { latest = s; }, onError: (stage, err) => errors.push(`${stage}: ${String(err)}`),
    });
    for (const set of sets) {
      // Given one generated set; When validated (as synth / portico validate), translated and served
      const { problems } = validateOffline({ objects: set.objects, controllerNames: [CONTROLLER], now: NOW });
      const t = translate(fromObjects(set.objects).snapshot, { controllerName: CONTROLLER, now: NOW });
      provider.set(set.objects);
      await pipeline.idle();
      assert.equal(errors, [], `seed ${set.seed}: pipeline errors`);
      // Then the three agree
      checkValidateAgainstTranslate(set, problems, t, tally);
      await checkServe(set, t, latest!, offset, tally);
      tally.sets++;
    }
  } finally {
    await pipeline?.stop();
    await dataplane.close(0);
    await echo.close();
  }
  // The sets exercised every outcome (the test would notice if the generator stopped doing so).
  assert.is(tally.sets, SETS);
  for (const k of ['routeErrors', 'listenerErrors', 'attached', 'tcpServed', 'tcpClosed', 'udpServed'] as const) {
    assert.ok(tally[k] > 0, `no generated set produced any ${k}: ${JSON.stringify(tally)}`);
  }
});

test.run();
