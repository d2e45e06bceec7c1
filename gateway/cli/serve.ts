// `portico serve`: the whole gateway in one process — file provider, pipeline, data plane,
// admin server — until SIGINT/SIGTERM.
import { translate } from '../translator/index.ts';
import { createDataplane } from '../dataplane/index.ts';
import type { Dataplane } from '../dataplane/api.ts';
import type { DataplaneObserver } from '../dataplane/observer.ts';
import { createFileProvider } from '../provider/files/index.ts';
import { startPipeline, type Pipeline, type PipelineState } from '../pipeline.ts';
import { createAddressAssigner } from '../pipeline/addresses.ts';
import { startAdminServer, type AdminServer } from '../admin/server.ts';
import { createMetrics } from '../admin/metrics.ts';
import { createAccessLog, parseAccessLogMode } from '../admin/access-log.ts';
import { createLogger, errorFields, type Logger } from '../admin/log.ts';
import { onShutdown, probeAddress, writeStdout } from '../runtime/node.ts';
import { DEFAULT_CONTROLLER, intFlag, parse, UsageError } from './args.ts';
import type { CliIo } from '../cli.ts';

const USAGE = `usage: portico serve --manifests <file|dir> [--manifests ...]
  [--controller-name NAME]   GatewayClasses with this controllerName are served (default ${DEFAULT_CONTROLLER})
  [--gateway ns/name ...]    serve only these Gateways
  [--port-offset N]          listener port p is bound on p+N (default 0)
  [--address-pool CIDR]      one address per Gateway from this IPv4 range (default: --bind for all)
  [--bind ADDR]              default 127.0.0.1
  [--admin HOST:PORT]        admin endpoint (default 127.0.0.1:9901; port 0 picks one)
  [--access-log off|stdout]  default stdout
  [--poll-ms N]              rescan interval for manifest changes (default 2000)`;

export interface ServeOptions {
  manifests: string[];
  controllerName: string;
  gateways?: string[];
  portOffset: number;
  addressPool?: string;
  bind: string;
  admin: string;
  accessLog: 'off' | 'stdout';
  pollMs: number;
}

export interface RunningGateway {
  admin: AdminServer;
  pipeline: Pipeline;
  dataplane: Dataplane;
  stop(): Promise<void>;
}

export function parseServeArgs(args: string[]): ServeOptions {
  const { values, positionals } = parse(args, {
    manifests: { type: 'string', multiple: true },
    'controller-name': { type: 'string', default: DEFAULT_CONTROLLER },
    gateway: { type: 'string', multiple: true },
    'port-offset': { type: 'string' },
    'address-pool': { type: 'string' },
    bind: { type: 'string', default: '127.0.0.1' },
    admin: { type: 'string', default: '127.0.0.1:9901' },
    'access-log': { type: 'string' },
    'poll-ms': { type: 'string' },
  }, USAGE);
  const manifests = [...(values.manifests ?? []), ...positionals];
  if (manifests.length === 0) throw new UsageError(`serve needs at least one --manifests path\n\n${USAGE}`);
  for (const g of values.gateway ?? []) if (!/^[^/]+\/[^/]+$/.test(g)) throw new UsageError(`--gateway wants namespace/name, got ${g}`);
  let accessLog: 'off' | 'stdout';
  try { accessLog = parseAccessLogMode(values['access-log']); } catch (err) { throw new UsageError((err as Error).message); }
  return {
    manifests, controllerName: values['controller-name']!, gateways: values.gateway,
    portOffset: intFlag(values['port-offset'], 'port-offset', 0), addressPool: values['address-pool'],
    bind: values.bind!, admin: values.admin!, accessLog,
    pollMs: values['poll-ms'] === undefined ? 2000 : Number(values['poll-ms']),
  };
}

function logApplied(log: Logger, s: PipelineState, lastProblems: { text: string }): void {
  log('info', 'config applied', {
    generation: s.generation, reloadMs: Math.round(s.reloadMs * 10) / 10,
    listening: s.apply.listening.map((l) => `${l.gateway} ${l.transport}://${l.address}:${l.boundPort}`),
    problems: s.problems.length,
  });
  for (const e of s.apply.errors) log('error', 'cannot listen', e);
  // Problems are logged when they change, not on every reload.
  const text = JSON.stringify(s.problems);
  if (text !== lastProblems.text) {
    lastProblems.text = text;
    for (const p of s.problems) log(p.severity === 'error' ? 'warn' : 'info', 'problem', { ...p });
  }
}

export async function startGateway(o: ServeOptions, log: Logger, now: () => string): Promise<RunningGateway> {
  const metrics = createMetrics({ defaultMetrics: true });
  const accessLog = createAccessLog(o.accessLog, writeStdout);
  const observer: DataplaneObserver = {
    onRequest: (r) => { metrics.onRequest(r); accessLog(r); },
    onUpstreamError: (b, c) => metrics.onUpstreamError(b, c),
    onEvent: (level, message, fields) => log(level, message, fields),
  };
  const dataplane = createDataplane({ portOffset: o.portOffset, observer });
  const admin = await startAdminServer(o.admin, metrics);
  const provider = createFileProvider({ paths: o.manifests, pollMs: o.pollMs, now, log });
  const lastProblems = { text: '' };
  const pipeline = await startPipeline({
    provider, dataplane, translate, now,
    translateOptions: { controllerName: o.controllerName, gateways: o.gateways },
    addresses: createAddressAssigner({ pool: o.addressPool, bind: o.bind, probe: probeAddress }),
    publish: (s) => { admin.state.current = s; metrics.onApplied(s); logApplied(log, s, lastProblems); },
    onError: (stage, err) => { metrics.onReloadError(stage); log('error', `reload failed in ${stage}; the previous config keeps serving`, errorFields(err)); },
  });
  log('info', 'portico serving', { admin: admin.address, manifests: o.manifests, controllerName: o.controllerName });
  return {
    admin, pipeline, dataplane,
    async stop() {
      await pipeline.stop();
      await dataplane.close();
      await admin.close();
    },
  };
}

export async function runServe(args: string[], io: CliIo): Promise<number> {
  const opts = parseServeArgs(args);
  const log = createLogger(io.err, io.now);
  const gw = await startGateway(opts, log, io.now);
  await new Promise<void>((resolve) => {
    onShutdown(async (signal) => {
      log('info', 'shutting down', { signal });
      await gw.stop();
      resolve();
    });
  });
  return 0;
}
