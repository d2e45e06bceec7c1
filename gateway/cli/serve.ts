// `portico serve`: the gateway until SIGINT/SIGTERM. With --workers 1, all of it in one process
// (provider, pipeline, data plane, admin server); with --workers N > 1, this process is the
// control process (provider, translator, status, admin, credentials) and N data-plane worker
// processes serve the listeners (gateway/workers/).
import { createIncrementalTranslator } from '../translator/index.ts';
import { createDataplane } from '../dataplane/index.ts';
import type { Dataplane } from '../dataplane/api.ts';
import { createFileProvider } from '../provider/files/index.ts';
import { startPipeline, type Pipeline, type PipelineState, type Provider } from '../pipeline.ts';
import { createAddressAssigner } from '../pipeline/addresses.ts';
import { isLoopbackHost, PROBE_ENDPOINTS, splitHostPort, startAdminServer, type AdminServer } from '../admin/server.ts';
import { createMetrics } from '../admin/metrics.ts';
import {
  parseAccessLogFields, parseAccessLogFormat, parseAccessLogMode, parseSampleRatio, type AccessLogOptions,
} from '../admin/access-log.ts';
import { createLogger, errorFields, parseLogLevel, type Logger, type LogLevel } from '../admin/log.ts';
import { createServingObserver } from '../admin/observer.ts';
import { DEFAULT_CLIENT_LIMITS } from '../dataplane/limits.ts';
import { cpuCount, env, onShutdown, probeAddress, randomKey, readKeyFile, releaseMemory, runtimeName } from '../runtime/index.ts';
import { tracingConfig, type TracingConfig } from '../admin/tracing-config.ts';
import { DEFAULT_LEASE_NAME, PROBES_PORT, dnsLabelFlag, intFlag, secondsFlag, countFlag, UsageError } from './args.ts';
import { DEFAULT_DRAIN_TIMEOUT_MS } from '../dataplane/index.ts';
import { drainAndStop, type DrainOptions } from './shutdown.ts';
import type { ClientLimitsIR, UpstreamResilienceIR } from '../ir/index.ts';
import { InputError, parseCommand, usageText } from './command.ts';
import { collectFiles } from '../provider/files/reader.ts';
import { serveCommand } from './commands.ts';
import type { CliIo } from '../cli.ts';

const USAGE = usageText(serveCommand);

export interface ServeOptions {
  manifests: string[];
  /** Set by --kubernetes: read from (and write status to) a cluster instead of manifest files. */
  kubernetes?: { kubeconfig?: string; namespaces?: string[]; leaseNamespace?: string; leaseName: string };
  controllerName: string;
  gateways?: string[];
  portOffset: number;
  addressPool?: string;
  bind: string;
  admin: string;
  accessLog: AccessLogOptions;
  /** Set when tracing is on (--otlp-endpoint or the OTEL_* variables). */
  tracing?: TracingConfig;
  /** The process log's level (runServe; startGateway takes a ready logger). */
  logLevel?: LogLevel;
  pollMs: number;
  /** Listener for the kubelet and Prometheus; undefined = none. */
  probes?: { listen: string; allEndpoints: boolean };
  publishService?: string;
  sessionKeyFile?: string;
  /** Bearer token file for /status and /config (required when they are served off loopback). */
  adminTokenFile?: string;
  /** SIGTERM drain (--drain-delay, --drain-timeout). @default no delay, DEFAULT_DRAIN_TIMEOUT_MS */
  drain?: DrainOptions;
  /** Gateway-wide client limits (flags); absent fields keep the data plane's defaults. */
  clientLimits?: ClientLimitsIR;
  /** `--rate-limit-redis`: the Redis global rate limits count in. */
  rateLimitRedis?: string;
  /** `--rate-limit-timeout`: how long a request waits for Redis before failing open or closed. */
  rateLimitTimeoutMs?: number;
  /** Outlier detection and per-backend queue defaults (flags); absent fields keep the data plane's defaults. */
  upstream?: UpstreamResilienceIR;
  /** Data-plane worker processes (--workers); 1 serves in this process. @default 1 */
  workers?: number;
}

/** Facts about where the process runs that change flag defaults. */
export interface ServeEnvironment {
  /** Running in a Kubernetes pod (KUBERNETES_SERVICE_HOST is set). */
  inPod: boolean;
  /** The process environment, for the OTEL_* variables (absent: tracing only from flags). */
  env?: (name: string) => string | undefined;
  /** CPU cores available: the default of --workers. @default 1 */
  cores?: number;
}

export interface RunningGateway {
  admin: AdminServer;
  pipeline: Pipeline;
  dataplane: Dataplane;
  /** With --workers N > 1: the workers' process ids, by slot (tests kill them). */
  pids?: () => number[];
  /** Drains (see cli/shutdown.ts) and stops everything. */
  stop(drain?: DrainOptions): Promise<void>;
}

export function parseServeArgs(args: string[], env: ServeEnvironment = { inPod: false }): ServeOptions {
  const { values, positionals } = parseCommand(serveCommand, args);
  const manifests = [...(values.manifests ?? []), ...positionals];
  const kubeFlags = (['kubeconfig', 'namespace', 'lease-namespace', 'lease-name'] as const).filter((f) => values[f] !== undefined);
  if (!values.kubernetes && kubeFlags.length > 0) throw new UsageError(`--${kubeFlags[0]} needs --kubernetes\n\n${USAGE}`);
  if (values.kubernetes && manifests.length > 0) throw new UsageError(`serve reads either --manifests or --kubernetes, not both\n\n${USAGE}`);
  if (!values.kubernetes && manifests.length === 0) throw new UsageError(`serve needs at least one --manifests path (or --kubernetes)\n\n${USAGE}`);
  const kubernetes = values.kubernetes ? {
    kubeconfig: values.kubeconfig,
    namespaces: values.namespace?.map((n) => dnsLabelFlag(n, 'namespace')),
    leaseNamespace: values['lease-namespace'] === undefined ? undefined : dnsLabelFlag(values['lease-namespace'], 'lease-namespace'),
    leaseName: values['lease-name'] ?? DEFAULT_LEASE_NAME,
  } : undefined;
  for (const g of values.gateway ?? []) if (!/^[^/]+\/[^/]+$/.test(g)) throw new UsageError(`--gateway wants namespace/name, got ${g}`);
  const publishService = values['publish-service'];
  if (publishService !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(publishService)) {
    throw new UsageError(`--publish-service wants namespace/name of a Service, got ${publishService}`);
  }
  // In a pod the kubelet and Prometheus connect from outside the loopback interface.
  const probesListen = values.probes ?? (env.inPod ? `0.0.0.0:${PROBES_PORT}` : undefined);
  if (values['probes-all-endpoints'] && probesListen === undefined) throw new UsageError(`--probes-all-endpoints needs --probes\n\n${USAGE}`);
  // /status and /config reveal the routing table: off loopback they need a bearer token.
  const adminTokenFile = values['admin-token-file'];
  const exposed = [values.admin!, ...(values['probes-all-endpoints'] && probesListen !== undefined ? [probesListen] : [])]
    .find((listen) => !isLoopbackHost(splitHostPort(listen).host));
  if (exposed !== undefined && adminTokenFile === undefined) {
    throw new UsageError(`${exposed} is not a loopback address and would serve /status and /config (the routing table) to anyone who can connect: give --admin-token-file, or serve them on 127.0.0.1 and use --probes for the kubelet`);
  }
  let accessLog: AccessLogOptions;
  let logLevel: LogLevel;
  let tracing: TracingConfig | undefined;
  try {
    accessLog = {
      mode: parseAccessLogMode(values['access-log']),
      format: parseAccessLogFormat(values['access-log-format']),
      fields: parseAccessLogFields(values['access-log-fields']),
      sample: parseSampleRatio(values['access-log-sample'], 'access-log-sample'),
    };
    logLevel = parseLogLevel(values['log-level']);
    const ratio = values['trace-sample-ratio'];
    tracing = tracingConfig({
      otlpEndpoint: values['otlp-endpoint'],
      sampleRatio: ratio === undefined ? undefined : parseSampleRatio(ratio, 'trace-sample-ratio'),
    }, env.env ?? (() => undefined));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const drain = {
    timeoutMs: secondsFlag(values['drain-timeout'], 'drain-timeout', DEFAULT_DRAIN_TIMEOUT_MS),
    delayMs: secondsFlag(values['drain-delay'], 'drain-delay', env.inPod ? 5_000 : 0),
  };
  if (drain.delayMs >= drain.timeoutMs && drain.timeoutMs > 0) {
    throw new UsageError(`--drain-delay (${drain.delayMs / 1000} s) must be less than --drain-timeout (${drain.timeoutMs / 1000} s)`);
  }
  const slash = values['encoded-slash'];
  const slashes = { reject: 'Reject', keep: 'Keep', redirect: 'DecodeAndRedirect' } as const;
  if (slash !== undefined && !(slash in slashes)) throw new UsageError(`--encoded-slash must be reject, keep or redirect, got ${slash}`);
  const ms = (name: 'header-timeout' | 'request-timeout' | 'idle-timeout') =>
    (values[name] === undefined ? undefined : Math.max(1, secondsFlag(values[name], name, 0)));
  const clientLimits: ClientLimitsIR = dropUndefined({
    path: slash === undefined ? undefined : { encodedSlash: slashes[slash as keyof typeof slashes] },
    maxRequestBodyBytes: countFlag(values['max-request-body-bytes'], 'max-request-body-bytes'),
    maxWebSocketMessageBytes: countFlag(values['websocket-max-message-bytes'], 'websocket-max-message-bytes'),
    maxRequestHeaderBytes: countFlag(values['max-request-header-bytes'], 'max-request-header-bytes', 1 << 20),
    maxRequestHeaders: countFlag(values['max-request-headers'], 'max-request-headers', 10_000),
    maxConnections: countFlag(values['max-connections'], 'max-connections'),
    maxRequestsPerConnection: countFlag(values['max-requests-per-connection'], 'max-requests-per-connection'),
    headersTimeoutMs: ms('header-timeout'),
    requestTimeoutMs: ms('request-timeout'),
    idleTimeoutMs: ms('idle-timeout'),
    http2MaxConcurrentStreams: countFlag(values['h2-max-concurrent-streams'], 'h2-max-concurrent-streams'),
    http2MaxPrematureResets: countFlag(values['h2-max-resets'], 'h2-max-resets'),
  });
  const seconds = (name: 'outlier-base-ejection' | 'outlier-max-ejection' | 'upstream-queue-timeout') =>
    (values[name] === undefined ? undefined : secondsFlag(values[name], name, 0));
  const upstream: UpstreamResilienceIR = {
    outlierDetection: dropUndefined({
      consecutiveLocalOriginFailure: countFlag(values['outlier-consecutive-failures'], 'outlier-consecutive-failures'),
      consecutive5xx: countFlag(values['outlier-consecutive-5xx'], 'outlier-consecutive-5xx'),
      consecutiveGatewayFailure: countFlag(values['outlier-consecutive-gateway-failures'], 'outlier-consecutive-gateway-failures'),
      baseEjectionMs: seconds('outlier-base-ejection'),
      maxEjectionMs: seconds('outlier-max-ejection'),
      maxEjectionPercent: countFlag(values['outlier-max-ejection-percent'], 'outlier-max-ejection-percent', 100),
      panicThresholdPercent: countFlag(values['outlier-panic-threshold'], 'outlier-panic-threshold', 100),
    }),
    queue: dropUndefined({
      maxRequests: countFlag(values['upstream-max-requests'], 'upstream-max-requests'),
      maxPending: countFlag(values['upstream-max-pending'], 'upstream-max-pending'),
      queueTimeoutMs: seconds('upstream-queue-timeout'),
    }),
  };
  const workers = values.workers === undefined ? Math.max(1, env.cores ?? 1) : countFlag(values.workers, 'workers', 1024)!;
  if (workers < 1) throw new UsageError(`--workers must be at least 1, got ${values.workers}`);
  return {
    workers, clientLimits, upstream, drain, manifests, kubernetes, controllerName: values['controller-name']!, gateways: values.gateway,
    portOffset: intFlag(values['port-offset'], 'port-offset', 0), addressPool: values['address-pool'],
    bind: values.bind ?? (env.inPod ? '0.0.0.0' : '127.0.0.1'), admin: values.admin!, accessLog, logLevel, tracing,
    pollMs: intFlag(values['poll-ms'], 'poll-ms', 2000),
    probes: probesListen === undefined ? undefined : { listen: probesListen, allEndpoints: values['probes-all-endpoints'] ?? false },
    publishService, sessionKeyFile: values['session-key-file'], adminTokenFile,
    rateLimitRedis: redisUrlFlag(values['rate-limit-redis']),
    rateLimitTimeoutMs: values['rate-limit-timeout'] === undefined ? undefined : Math.max(1, secondsFlag(values['rate-limit-timeout'], 'rate-limit-timeout', 0)),
  };
}

function redisUrlFlag(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new UsageError(`--rate-limit-redis wants a URL such as redis://127.0.0.1:6379, got ${v}`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UsageError(`--rate-limit-redis wants a redis:// or rediss:// URL, got ${v}`);
  return v;
}

const MAX_PROBLEM_LINES = 50;

function logApplied(log: Logger, s: PipelineState, seen: { problems: Set<string> }): void {
  log('info', 'config applied', {
    generation: s.generation, reloadMs: Math.round(s.reloadMs * 10) / 10,
    listening: s.apply.listening.map((l) => `${l.gateway} ${l.transport}://${l.address}:${l.boundPort}`),
    problems: s.problems.length,
  });
  for (const e of s.apply.errors) log('error', 'cannot listen', e);
  // Only problems that are new since the last reload get a line: a big config with a few
  // known problems must not repeat them on every change.
  const now = new Map(s.problems.map((p) => [JSON.stringify(p), p]));
  const fresh = [...now].filter(([k]) => !seen.problems.has(k)).map(([, p]) => p);
  const resolved = [...seen.problems].filter((k) => !now.has(k)).length;
  for (const p of fresh.slice(0, MAX_PROBLEM_LINES)) log(p.severity === 'error' ? 'warn' : 'info', 'problem', { ...p });
  if (fresh.length > MAX_PROBLEM_LINES) log('warn', `${fresh.length - MAX_PROBLEM_LINES} more new problems; see /status`);
  if (resolved > 0) log('info', `${resolved} problems resolved`);
  seen.problems = new Set(now.keys());
}

export async function startGateway(o: ServeOptions, log: Logger, now: () => string): Promise<RunningGateway> {
  const drainDefaults = o.drain ?? { delayMs: 0, timeoutMs: DEFAULT_DRAIN_TIMEOUT_MS };
  const metrics = createMetrics({ defaultMetrics: true });
  let workers = o.workers ?? 1;
  if (workers > 1 && runtimeName === 'deno') {
    log('warn', `--workers ${workers}: Deno has no node:cluster handle sharing or SO_REUSEPORT for Node sockets here, so this gateway runs single-process (one data plane in this process)`);
    workers = 1;
  }
  // Everything that can fail on bad flags or a busy admin port, before anything is started
  // that would keep the process alive.
  let addresses;
  let sessionKey: Buffer | undefined;
  try {
    addresses = createAddressAssigner({ pool: o.addressPool, bind: o.bind, probe: probeAddress, ignoreRequested: o.publishService !== undefined });
    if (o.sessionKeyFile !== undefined) sessionKey = loadSessionKey(o.sessionKeyFile);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  let kubeProvider: Provider | undefined;
  if (o.kubernetes) {
    // Loaded only for --kubernetes: client-node adds ~0.7 s to start-up that --manifests need not pay.
    const { createKubernetesProvider } = await import('../provider/kubernetes/index.ts');
    try {
      kubeProvider = createKubernetesProvider({
        kubeconfigPath: o.kubernetes.kubeconfig, controllerName: o.controllerName, namespaces: o.kubernetes.namespaces, gateways: o.gateways,
        lease: { namespace: o.kubernetes.leaseNamespace, name: o.kubernetes.leaseName }, log, telemetry: metrics.provider,
      });
    } catch (err) {
      throw new UsageError(`cannot load the kubeconfig: ${(err as Error).message}`);
    }
  }
  const token = o.adminTokenFile === undefined ? undefined : loadAdminToken(o.adminTokenFile);
  const rateLimit = o.rateLimitRedis === undefined ? undefined
    : { redisUrl: o.rateLimitRedis, ...(o.rateLimitTimeoutMs !== undefined ? { commandTimeoutMs: o.rateLimitTimeoutMs } : {}) };
  // With workers, the data plane runs in them; this process only starts them (gateway/workers/pool.ts).
  let dataplane: Dataplane;
  let serving: { close(): Promise<void> } | undefined;
  let pool: import('../workers/pool.ts').WorkerPool | undefined;
  if (workers > 1) {
    const { startWorkerPool, reusePortSupported } = await import('../workers/pool.ts');
    pool = await startWorkerPool({
      workers, log, registry: metrics.registry,
      init: {
        portOffset: o.portOffset, drainTimeoutMs: drainDefaults.timeoutMs, clientLimits: divideConnections(o.clientLimits, workers),
        // One key for all workers (a session issued by one is honoured by the others): the
        // --session-key-file key, else one generated here once.
        sessionKey: sessionKey ?? randomKey(32), reusePort: reusePortSupported(),
        accessLog: o.accessLog, logLevel: o.logLevel ?? 'info', tracing: o.tracing, rateLimit, upstream: o.upstream,
      },
    });
    dataplane = pool;
  } else {
    const s = await createServingObserver({ accessLog: o.accessLog, tracing: o.tracing, metrics, log });
    serving = s;
    dataplane = createDataplane({ portOffset: o.portOffset, observer: s.observer, sessionKey, drainTimeoutMs: drainDefaults.timeoutMs, clientLimits: o.clientLimits, rateLimit, upstream: o.upstream });
  }
  const metricsSource = pool === undefined ? metrics : { registry: { metrics: pool.metrics, contentType: metrics.registry.contentType } };
  let admin: AdminServer;
  try {
    admin = await startAdminServer(o.admin, metricsSource, { notReady: pool?.notReady }, { token });
  } catch (err) {
    await dataplane.close(0);
    throw err;
  }
  let probes: AdminServer | undefined;
  try {
    probes = o.probes && await startAdminServer(o.probes.listen, metricsSource, admin.state, { endpoints: o.probes.allEndpoints ? undefined : PROBE_ENDPOINTS, token });
  } catch (err) {
    await admin.close();
    await dataplane.close(0);
    throw err;
  }
  const closeAdmin = async () => {
    await probes?.close();
    await admin.close();
    await serving?.close();
  };
  const provider = kubeProvider ?? createFileProvider({ paths: o.manifests, pollMs: o.pollMs, now, log });
  const seen = { problems: new Set<string>() };
  const serving_ = { admin: admin.address, ...(probes ? { probes: probes.address } : {}), ...(o.kubernetes ? { kubernetes: o.kubernetes } : { manifests: o.manifests }), controllerName: o.controllerName, workers };
  log('info', 'admin listening; waiting for the first config', { admin: admin.address });
  let pipeline: Pipeline;
  const translator = createIncrementalTranslator();
  try {
    pipeline = await startPipeline({
      provider, dataplane, now, addresses,
      // One change costs that change: routes whose inputs did not change are not translated again.
      translate: translator.translate, unchangedStatus: translator.unchanged,
      translateOptions: { controllerName: o.controllerName, gateways: o.gateways }, publishService: o.publishService,
      publish: (s) => {
        admin.state.current = s;
        metrics.onApplied(s);
        logApplied(log, s, seen);
        // Serving means a config is in place: before the first one, every listener is still closed.
        if (s.generation === 1) {
          // The first configuration is the largest burst of garbage this process makes: give it back now.
          releaseMemory();
          log('info', 'portico serving', serving_);
        }
      },
      onError: (stage, err) => { metrics.onReloadError(stage); log('error', `reload failed in ${stage}; the previous config keeps serving`, errorFields(err)); },
    });
  } catch (err) {
    // Nothing may keep the process alive after a failed start.
    await dataplane.close(0);
    await closeAdmin();
    throw err;
  }
  return {
    admin, pipeline, dataplane, pids: pool?.pids,
    stop: (drain = drainDefaults) => drainAndStop({ adminState: admin.state, pipeline, dataplane, closeAdmin }, drain, log),
  };
}

/**
 * --max-connections is per listening socket; with workers each holds its own socket, so each
 * gets an equal share (rounded up): the gateway as a whole still holds at most about the limit.
 */
export function divideConnections(limits: ClientLimitsIR | undefined, workers: number): ClientLimitsIR {
  const max = limits?.maxConnections ?? DEFAULT_CLIENT_LIMITS.maxConnections;
  return { ...limits, maxConnections: max === 0 ? 0 : Math.ceil(max / workers) };
}

/** The admin bearer token from a file (a mounted Secret), surrounding whitespace removed. */
export function loadAdminToken(path: string): string {
  const token = readKeyFile(path).toString('utf8').trim();
  if (token.length < 16 || /[\s]/.test(token)) throw new UsageError(`--admin-token-file ${path}: use at least 16 characters without whitespace (e.g. openssl rand -hex 32)`);
  return token;
}

/** The session-persistence key from a file (a mounted Secret): used as is, at least 32 bytes. */
export function loadSessionKey(path: string): Buffer {
  const key = readKeyFile(path);
  if (key.length < 32) throw new Error(`--session-key-file ${path} holds ${key.length} bytes; use at least 32 random bytes (e.g. openssl rand -base64 32)`);
  return key;
}

export async function runServe(args: string[], io: CliIo): Promise<number> {
  // Deno serves single-process (see startGateway): its default is one worker.
  const opts = parseServeArgs(args, { inPod: env('KUBERNETES_SERVICE_HOST') !== undefined, env, cores: runtimeName === 'deno' ? 1 : cpuCount() });
  // A path that does not exist at start is a typo, not a directory to wait for: exit 2 at once.
  const missing = collectFiles(opts.manifests).missing;
  if (missing.length > 0) throw new InputError(`portico serve: no such file or directory: ${missing.join(', ')}`);
  const log = createLogger(io.err, io.now, opts.logLevel);
  // The handler is installed before anything starts: a SIGTERM that arrives while the gateway
  // is still starting (a pod deleted at once) must drain and exit 0 too, not kill the process.
  let gw: RunningGateway | undefined;
  let signalled = false;
  let done!: () => void;
  const stopped = new Promise<void>((r) => (done = r));
  const stop = async () => { await gw!.stop(); done(); };
  const unsubscribe = onShutdown(async (signal) => {
    log('info', 'shutting down', { signal });
    signalled = true;
    if (gw !== undefined) await stop();
  });
  try {
    gw = await startGateway(opts, log, io.now);
  } catch (err) {
    unsubscribe();
    throw err;
  }
  if (signalled) await stop();
  await stopped;
  return 0;
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
