// Every verb's flags and help text, in one light module: `portico <verb> --help` and the
// top-level help load this file only, not the verb (the translator, the data plane).
import { DEFAULT_CONTROLLER, DEFAULT_LEASE_NAME, PROBES_PORT } from './args.ts';
import { defineCommand, EXIT_CODES_NOTE, outputFlag, type Command } from './command.ts';

export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'Serve Gateway API manifests (files, watched for changes) or a cluster\'s resources, until SIGINT/SIGTERM.',
  synopsis: [
    '--manifests <file|dir> [--manifests ...] [flags]',
    '--kubernetes [--kubeconfig PATH] [--namespace NS ...] [--lease-namespace NS] [--lease-name NAME] [flags]',
  ],
  flags: {
    manifests: { type: 'string', multiple: true, arg: 'PATH', help: 'manifest file or directory to serve (also as positional arguments)' },
    kubernetes: { type: 'boolean', help: 'read from (and write status to) the Kubernetes API instead of files' },
    kubeconfig: { type: 'string', arg: 'PATH', help: 'default: KUBECONFIG, ~/.kube/config, then the in-cluster service account' },
    namespace: { type: 'string', multiple: true, arg: 'NS', help: 'watch namespaced kinds only here (default: all namespaces)' },
    'lease-namespace': { type: 'string', arg: 'NS', help: "where the leader-election Lease lives (default: the pod's namespace, else default)" },
    'lease-name': { type: 'string', arg: 'NAME', help: `only the Lease holder writes status (default ${DEFAULT_LEASE_NAME})` },
    'controller-name': { type: 'string', arg: 'NAME', default: DEFAULT_CONTROLLER, help: 'serve GatewayClasses with this controllerName' },
    gateway: { type: 'string', multiple: true, arg: 'NS/NAME', help: 'serve only these Gateways' },
    'port-offset': { type: 'string', arg: 'N', help: 'listener port p is bound on p+N (default 0)' },
    'address-pool': { type: 'string', arg: 'CIDR', help: 'one address per Gateway from this IPv4 range (default: --bind for all)' },
    bind: { type: 'string', arg: 'ADDR', help: 'address the listeners bind (default 127.0.0.1; 0.0.0.0 in a Kubernetes pod)' },
    admin: { type: 'string', arg: 'HOST:PORT', default: '127.0.0.1:9901', help: 'admin endpoint, every path (port 0 picks one)' },
    probes: { type: 'string', arg: 'HOST:PORT', help: `/healthz /readyz /metrics only, for the kubelet and Prometheus (default off; 0.0.0.0:${PROBES_PORT} in a Kubernetes pod)` },
    'probes-all-endpoints': { type: 'boolean', help: 'also serve /status and /config on --probes (they reveal the routing table)' },
    'admin-token-file': { type: 'string', arg: 'PATH', help: 'bearer token (>= 16 characters; a mounted Secret) that /status and /config then require; needed when they are served off loopback' },
    'publish-service': { type: 'string', arg: 'NS/NAME', help: "report this Service's address (load balancer ingress, else cluster IP) as the Gateways' status.addresses, and bind every Gateway on --bind" },
    'session-key-file': { type: 'string', arg: 'PATH', help: 'HMAC key (>= 32 bytes) for session-persistence values, shared by replicas (a mounted Secret); default: random per process' },
    'access-log': { type: 'string', arg: 'off|stdout|stderr', help: 'one line per request or L4 connection (default stdout)' },
    'access-log-format': { type: 'string', arg: 'json|text', help: 'access log line format (default json)' },
    'access-log-fields': { type: 'string', arg: 'A,B,...', help: 'access log fields, in order (default: all; see the README)' },
    'access-log-sample': { type: 'string', arg: 'RATIO', help: 'log this share of requests, 0..1; requests with response flags always (default 1)' },
    'otlp-endpoint': { type: 'string', arg: 'URL', help: 'turn tracing on: export spans over OTLP HTTP/protobuf to this traces URL (e.g. http://collector:4318/v1/traces); OTEL_EXPORTER_OTLP_* work too' },
    'trace-sample-ratio': { type: 'string', arg: 'RATIO', help: "sample this share of new traces, 0..1, following the client's sampled flag (default: OTEL_TRACES_SAMPLER, else 1)" },
    'log-level': { type: 'string', arg: 'debug|info|warn|error', help: "the process's own log on stderr (default info)" },
    workers: { type: 'string', arg: 'N', help: 'data-plane worker processes sharing the listener ports, beside one control process (default: the number of CPU cores; 1 serves in one process)' },
    'poll-ms': { type: 'string', arg: 'N', help: 'rescan interval for manifest changes (default 2000)' },
    'drain-timeout': { type: 'string', arg: 'S', help: "on SIGTERM, open connections may finish for S seconds (default 30; use the pod's terminationGracePeriodSeconds)" },
    'drain-delay': { type: 'string', arg: 'S', help: 'on SIGTERM, /readyz turns 503 at once, listeners stop accepting after S seconds (default 5 in a Kubernetes pod, else 0; less than --drain-timeout)' },
    // Client limits: the gateway-wide defaults; a listener's own limits (IR) override the first two.
    'encoded-slash': { type: 'string', arg: 'reject|keep|redirect', help: '%2F, %5C or a backslash in a path: answered 400 (default), kept encoded, or redirected (308) to the path with them decoded' },
    'websocket-max-message-bytes': { type: 'string', arg: 'N', help: 'largest WebSocket message a client may send, else closed with 1009 (default 16777216; 0: no limit)' },
    'max-request-body-bytes': { type: 'string', arg: 'N', help: 'answered 413 beyond (default 0: no limit)' },
    'rate-limit-redis': { type: 'string', arg: 'URL', help: 'redis://host:port where TrafficPolicy global rate limits count (shared by replicas)' },
    'rate-limit-timeout': { type: 'string', arg: 'S', help: 'how long a request waits for Redis before its policy fails open or closed (default 0.2)' },
    'max-request-header-bytes': { type: 'string', arg: 'N', help: 'request head / header list size, answered 431 beyond (default 32768)' },
    'max-request-headers': { type: 'string', arg: 'N', help: 'request header fields, answered 431 beyond (default 100)' },
    'max-connections': { type: 'string', arg: 'N', help: 'open connections per listening socket (default 20000; 0: no limit)' },
    'max-requests-per-connection': { type: 'string', arg: 'N', help: 'HTTP/1.1 requests per connection (default 0: no limit)' },
    'header-timeout': { type: 'string', arg: 'S', help: 'time to receive a whole request head, 408 after (default 10)' },
    'request-timeout': { type: 'string', arg: 'S', help: 'time to receive a whole request, head and body, 408 after (default 300)' },
    'idle-timeout': { type: 'string', arg: 'S', help: 'keep-alive idle time on client connections (default 65)' },
    'h2-max-concurrent-streams': { type: 'string', arg: 'N', help: 'HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS (default 100)' },
    'h2-max-resets': { type: 'string', arg: 'N', help: 'HTTP/2 streams a client may cancel before they are answered, then GOAWAY (rapid reset; default 100)' },
    // Upstream resilience: per backend, per process (each worker process counts its own requests).
    'outlier-consecutive-failures': { type: 'string', arg: 'N', help: 'eject an endpoint after N connect/reset/timeout failures in a row (default 5; 0: off)' },
    'outlier-consecutive-5xx': { type: 'string', arg: 'N', help: 'eject an endpoint after N 5xx answers or failures in a row (default 0: off)' },
    'outlier-consecutive-gateway-failures': { type: 'string', arg: 'N', help: 'eject an endpoint after N 502/503/504 answers or connect/reset/timeout failures in a row (default 0: off)' },
    'outlier-base-ejection': { type: 'string', arg: 'S', help: 'first ejection lasts S seconds, the n-th in a row n times that (default 30)' },
    'outlier-max-ejection': { type: 'string', arg: 'S', help: 'longest ejection (default 300)' },
    'outlier-max-ejection-percent': { type: 'string', arg: 'P', help: "share of a backend's endpoints ejected at once, at least one; all only when all fail (default 50)" },
    'outlier-panic-threshold': { type: 'string', arg: 'P', help: "below P % of a backend's endpoints in rotation, ejections are ignored and all endpoints serve (default 50; 0: answer 503 when all are ejected)" },
    'upstream-max-requests': { type: 'string', arg: 'N', help: 'requests in flight per backend, more wait in its queue (default 1024; 0: no limit)' },
    'upstream-max-pending': { type: 'string', arg: 'N', help: 'requests waiting per backend, more are answered 503 at once (default 1024)' },
    'upstream-queue-timeout': { type: 'string', arg: 'S', help: 'a request waits at most S seconds in the queue, then 503 (default 5)' },
  },
  notes: 'exit codes: 0 after a clean shutdown, 1 when the gateway fails, 2 usage or input error',
});

export const validateCommand = defineCommand({
  name: 'validate',
  summary: 'Check manifests offline: CRD schema and CEL rules per object, then the translator over the whole set.',
  synopsis: ['<file|dir|->... [-o text|json|yaml] [--controller-name NAME] [--tenants FILE [--tenant NAME]]'],
  flags: {
    output: outputFlag(),
    format: { type: 'string', arg: 'text|json|yaml', help: 'alias of -o' },
    'controller-name': { type: 'string', arg: 'NAME', default: DEFAULT_CONTROLLER, help: 'GatewayClasses with this controllerName are checked as ours' },
    tenants: { type: 'string', arg: 'FILE', help: "the platform's tenants file (a portico.dev/v1alpha1 TenantSet): judge the manifests by its tenancy rules" },
    tenant: { type: 'string', arg: 'NAME', help: "judge every object as this tenant's (an app repo); default: by namespace" },
  },
  notes: `\`-\` reads manifests from stdin. Text output: one line per error on stdout
(<file>:<line>: <Kind> <ns>/<name> <field>: <message> (<reason>) — fix: ...), warnings and a
summary on stderr.
${EXIT_CODES_NOTE} (a missing path, or no objects at all, is an input error)`,
});

export const translateCommand = defineCommand({
  name: 'translate',
  summary: 'Print the routing table, every status block and the problems the gateway would produce for these manifests.',
  synopsis: ['<file|dir|->... [-o yaml|json] [--controller-name NAME] [--gateway NS/NAME ...] [--assume-external] [--show-keys] [--decisions]'],
  flags: {
    output: { ...outputFlag('yaml'), arg: 'yaml|json' },
    'controller-name': { type: 'string', arg: 'NAME', default: DEFAULT_CONTROLLER, help: 'GatewayClasses with this controllerName are ours' },
    gateway: { type: 'string', multiple: true, arg: 'NS/NAME', help: 'translate only these Gateways' },
    'assume-external': { type: 'boolean', default: false, help: 'treat Services, Secrets and ConfigMaps missing from the manifests as existing elsewhere' },
    'show-keys': { type: 'boolean', default: false, help: 'print private keys instead of <redacted>' },
    decisions: { type: 'boolean', default: false, help: "also print the translator's decisions: per route parentRef, each listener's verdict; per reference, whether it is permitted (through which ReferenceGrant) and resolved" },
  },
  notes: `\`-\` reads manifests from stdin.
${EXIT_CODES_NOTE} (errors among the problems: 1; a missing path or YAML that does not parse: 2)`,
});

export const diffCommand = defineCommand({
  name: 'diff',
  summary: 'What a change does to traffic: per Gateway listener the hostnames and route rules added, removed and changed, status conditions that change, and sampled requests whose destination changes.',
  synopsis: [
    '<base> <head> [-o text|md|json]                    two manifest files or directories',
    '<base-rev>..<head-rev> <path>... [-o text|md|json]   a path at two git revisions (no head-rev: the working tree)',
  ],
  flags: {
    output: { type: 'string', short: 'o', arg: 'text|md|json', help: 'output format (default text; md for a pull-request comment)' },
    'controller-name': { type: 'string', arg: 'NAME', default: DEFAULT_CONTROLLER, help: 'GatewayClasses with this controllerName are ours' },
    tenants: { type: 'string', arg: 'FILE', help: "the platform's tenants file: tenancy violations count as problems on both sides" },
    tenant: { type: 'string', arg: 'NAME', help: "judge every object as this tenant's (an app repo); default: by namespace" },
  },
  notes: `Both sides go through the checks of validate and the same translator; requests are resolved with
the data plane's matchers. A path missing at a revision is an empty side (a first commit).
exit codes: 0 no new problems, 1 the change introduces problems (new errors, a condition turning
unhealthy), 2 usage or input error (a bad revision, a missing path)`,
});

export const statusCommand = defineCommand({
  name: 'status',
  summary: 'Show the status conditions of a running gateway (its admin /status), one row per condition.',
  synopsis: ['[--admin HOST:PORT] [-o text|json|yaml]'],
  flags: {
    admin: { type: 'string', arg: 'HOST:PORT', default: '127.0.0.1:9901', help: "the gateway's admin endpoint" },
    'admin-token-file': { type: 'string', arg: 'PATH', help: 'the bearer token the gateway was started with (serve --admin-token-file)' },
    output: outputFlag(),
    format: { type: 'string', arg: 'table|json', help: 'alias of -o (table = text)' },
  },
  notes: `${EXIT_CODES_NOTE} (problems: the gateway reports errors; an unreachable admin endpoint: 2)`,
});

export const explainCommand = defineCommand({
  name: 'explain',
  summary: 'Say what the gateway does with one HTTP request, and why: the Gateway and listener that accept it, the route and rule that match (and why the others do not), the filters that run and the backends it may reach.',
  synopsis: ["<url> [-H 'name: value' ...] [--method M] [--manifests <file|dir|->... | --admin HOST:PORT] [-o text|json|yaml]"],
  flags: {
    header: { type: 'string', short: 'H', multiple: true, arg: "'NAME: VALUE'", help: 'a request header (Host replaces the URL\'s authority; the URL host stays the TLS server name, as with curl)' },
    method: { type: 'string', short: 'X', arg: 'M', help: 'request method (default GET)' },
    manifests: { type: 'string', multiple: true, arg: 'PATH', help: 'manifests to explain against: files, directories or - for stdin (default dist/); more paths may follow the URL' },
    admin: { type: 'string', arg: 'HOST:PORT', help: "explain against a running gateway's routing table (its admin /config) instead of manifests" },
    'admin-token-file': { type: 'string', arg: 'PATH', help: 'the bearer token the gateway was started with (serve --admin-token-file)' },
    'port-offset': { type: 'string', arg: 'N', help: 'the gateway serves listener port p on p+N (serve --port-offset; npm start uses 8000)' },
    gateway: { type: 'string', multiple: true, arg: 'NS/NAME', help: 'consider only these Gateways' },
    'controller-name': { type: 'string', arg: 'NAME', default: DEFAULT_CONTROLLER, help: 'GatewayClasses with this controllerName are ours (manifests only)' },
    'encoded-slash': { type: 'string', arg: 'reject|keep|redirect', help: 'as serve --encoded-slash: what the gateway does with %2F, %5C or a backslash in a path (default reject)' },
    'exact-refs': { type: 'boolean', help: 'treat Services, Secrets and ConfigMaps missing from the manifests as missing, as serve does, instead of assuming they exist in the cluster' },
    output: outputFlag(),
  },
  notes: `The decisions are the data plane's own (listener selection, host buckets, the rule matcher,
filter order, redirect Location), run over the routing table the manifests translate to.
example: portico explain https://www.shop.example.com/cart -H 'x-canary: true' --method POST
exit codes: 0 the request is forwarded or redirected, 1 the gateway answers it with an error
(404 no route, 421, 500) or no Gateway accepts it, 2 usage or input error`,
});

export const migrateCommand = defineCommand({
  name: 'migrate',
  summary: 'Convert ingress-nginx Ingress resources into a cdk8s app of Portico constructs (or manifests), with a report of everything not converted exactly.',
  synopsis: ['--from <file|dir|->... [--out DIR] [--gateway NS/NAME] [--format ts|yaml] [--ingress-class NAME] [--without-class] [--configmap NS/NAME]'],
  flags: {
    from: { type: 'string', multiple: true, arg: 'PATH', help: 'Ingresses, IngressClasses, and the Services, Secrets and controller ConfigMap they use: files, directories or - for stdin (also as positional arguments)' },
    out: { type: 'string', arg: 'DIR', help: 'write main.ts and cdk8s.yaml (ts), or manifests.yaml (yaml), and migration-report.md here (default: the app or manifests on stdout, the report on stderr)' },
    gateway: { type: 'string', arg: 'NS/NAME', default: 'portico-system/public', help: 'the Gateway the routes attach to (the emitted platform chart declares it)' },
    format: { type: 'string', arg: 'ts|yaml', default: 'ts', help: 'a TypeScript cdk8s app, or the manifests it synthesizes' },
    'ingress-class': { type: 'string', arg: 'NAME', default: 'nginx', help: "ingress-nginx's --ingress-class: its class when no IngressClass objects are given" },
    'without-class': { type: 'boolean', help: "ingress-nginx's --watch-ingress-without-class: also convert Ingresses with no class" },
    configmap: { type: 'string', arg: 'NS/NAME', help: "the controller's ConfigMap among the inputs (default: one named ingress-nginx-controller or nginx-configuration)" },
    'portico-module': { type: 'string', arg: 'NAME', default: 'portico', help: 'module the emitted app imports the constructs from' },
  },
  notes: `Ingresses of other classes are left alone. Every annotation not converted exactly, every regex
RE2 cannot express, and every timeout or body limit that changes meaning gets a report line
(severity, Ingress, annotation, why); see docs/migrate.md.
exit codes: 0 everything converted, 1 the report has errors (behaviour lost until someone acts) or
the result fails validation, 2 usage or input error`,
});

/** Every verb with a flag table (the dispatcher's help for `portico <verb> --help`). */
export const COMMANDS: Command[] = [serveCommand, validateCommand, translateCommand, diffCommand, explainCommand, statusCommand, migrateCommand];
