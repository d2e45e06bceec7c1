// GatewayRuntime: everything that runs Portico for one GatewayClass, synthesized with the routes it
// serves: Namespace, ServiceAccount, least-privilege RBAC, and per Gateway (or for all Gateways of
// the class, merged) a Deployment, a Service whose ports follow the listeners, a metrics Service,
// a PodDisruptionBudget and optionally a Prometheus Operator ServiceMonitor; plus the Gateway API
// CRDs and the Argo CD sync waves that apply them in order. The gateway's flags are derived from
// these props, never typed twice.
import { createHash } from 'node:crypto';
import { ApiObject, App, Chart, Duration, JsonPatch, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { chartNamespace } from '../base.ts';
import { Gateway, type IGateway } from '../gateway.ts';
import { GatewayClass, PORTICO_CONTROLLER_NAME, type IGatewayClass } from '../gateway-class.ts';
import { ListenerSet } from '../listener-set.ts';
import { servicemonitors } from './imports/index.ts';
import { clusterScopedRules, leaseRules, namespacedRules, type PolicyRule } from './rbac.ts';
import { servicePorts, type ListenerPort } from './ports.ts';
import { RuntimeImage } from './runtime-image.ts';
import { addGatewayApiCrds, addPorticoPolicyCrds, GatewayApiChannel } from './crds.ts';
import { setSyncWave, SYNC_OPTIONS, SyncWave } from './argocd.ts';
import { argoCdHealthData } from './argocd-health.ts';

/** How the generated Services are exposed. */
export enum GatewayServiceType {
  LOAD_BALANCER = 'LoadBalancer',
  NODE_PORT = 'NodePort',
  CLUSTER_IP = 'ClusterIP',
}

/** Requests and limits of the gateway container. */
export interface GatewayResources {
  /** @default "100m" */
  readonly cpuRequest?: string;
  /** @default "128Mi" */
  readonly memoryRequest?: string;
  /**
   * No CPU limit by default: throttling a proxy adds latency to every request.
   *
   * @default - none
   */
  readonly cpuLimit?: string;
  /** @default "512Mi" */
  readonly memoryLimit?: string;
}

export interface GatewayRuntimeProps {
  /** The class this runtime implements: its controllerName becomes --controller-name. */
  readonly gatewayClass: IGatewayClass;
  /** The gateway image (RuntimeImage.node(...) or RuntimeImage.deno(...)). */
  readonly image: RuntimeImage;
  /**
   * Gateways to run. You can also add them later with addGateway().
   *
   * @default - none
   */
  readonly gateways?: IGateway[];
  /**
   * Prefix of every generated name.
   *
   * @default "portico"
   */
  readonly name?: string;
  /**
   * Namespace of the runtime's objects.
   *
   * @default - the chart's namespace, else "portico-system"
   */
  readonly namespace?: string;
  /**
   * Emit the Namespace object.
   *
   * @default true
   */
  readonly createNamespace?: boolean;
  /** @default 2 */
  readonly replicas?: number;
  /** @default - requests 100m CPU and 128Mi memory, limit 256Mi + 128Mi per data-plane worker of memory (512Mi with 2 workers) */
  readonly resources?: GatewayResources;
  /**
   * Data-plane worker processes per pod (`--workers`): one control process (the Kubernetes
   * credentials, the translator) plus this many processes serving the listeners, one per core you
   * give the pod. 1 runs the whole gateway in one process.
   *
   * @default - the whole cores of `resources.cpuLimit` (at least 1) when set, else 2
   */
  readonly workers?: number;
  /**
   * Run all Gateways in one Deployment behind one Service instead of one of each per Gateway.
   * Listeners of different Gateways on one port collide; the gateway reports that in their status.
   *
   * @default false
   */
  readonly mergeGateways?: boolean;
  /** @default GatewayServiceType.LOAD_BALANCER */
  readonly serviceType?: GatewayServiceType;
  /**
   * Listener port p is bound on container port p + portOffset (the Service maps p to it), so the
   * pod binds no privileged port and needs no capability.
   *
   * @default 10000
   */
  readonly portOffset?: number;
  /**
   * Watch namespaced kinds only in these namespaces (the runtime's own is added): RBAC becomes a
   * ClusterRole for GatewayClasses and Namespaces plus Roles in these namespaces.
   *
   * @default - every namespace, one ClusterRole
   */
  readonly watchNamespaces?: string[];
  /**
   * How long in-flight requests may finish after SIGTERM (--drain-timeout);
   * terminationGracePeriodSeconds is this plus 5 seconds.
   *
   * @default Duration.seconds(30)
   */
  readonly drainTimeout?: Duration;
  /**
   * The Gateway API CRDs to install (in a chart of their own, with Portico's policy CRDs from
   * crds/portico), or 'none' when the cluster has them.
   *
   * @default GatewayApiChannel.STANDARD
   */
  readonly gatewayApiCrds?: GatewayApiChannel | 'none';
  /**
   * Emit a Prometheus Operator ServiceMonitor for the metrics Services.
   *
   * @default false
   */
  readonly serviceMonitor?: boolean;
  /**
   * Secret (in the runtime's namespace, key "key", at least 32 bytes) holding the
   * session-persistence key every replica shares. Create it outside Git, e.g.
   * `kubectl -n portico-system create secret generic portico-session-key --from-literal=key=$(openssl rand -base64 32)`.
   *
   * @default "<name>-session-key"
   */
  readonly sessionKeySecret?: string;
}

/** Container port of --probes: /healthz, /readyz and /metrics (the CLI's in-pod default). */
export const PROBES_PORT = 9902;
/** The admin endpoint stays on loopback inside the pod (reach it with kubectl exec). */
const ADMIN_PORT = 9901;
const SESSION_KEY_DIR = '/var/run/portico/session-key';
const NAME_LABEL = 'app.kubernetes.io/name';
const INSTANCE_LABEL = 'app.kubernetes.io/instance';

/** A DNS label of at most 63 characters; long names keep a hash suffix so they stay unique. */
function dnsLabel(name: string): string {
  const clean = name.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
  if (clean.length <= 63) return clean;
  const hash = createHash('sha256').update(clean).digest('hex').slice(0, 8);
  return `${clean.slice(0, 54).replace(/-+$/, '')}-${hash}`;
}

const gatewayKey = (g: IGateway) => `${g.namespace}/${g.name}`;

/** One Deployment + Service for one Gateway, or for all of them when merged. */
interface Unit {
  readonly name: string;
  readonly gateways: IGateway[];
  /** The objects spec.infrastructure labels and annotations go on. */
  readonly labelled: ApiObject[];
}

/**
 * Deploys the Portico gateway for a GatewayClass. Put it in the platform chart:
 * `new GatewayRuntime(platform, 'runtime', { gatewayClass, image: RuntimeImage.node('registry.example.com/portico', '0.1.0'), gateways: [edge] })`.
 */
export class GatewayRuntime extends Construct {
  /** Argo CD health checks (argocd-cm data keys → Lua) for the Gateway API kinds Argo CD does not check. */
  public static argoCdHealthChecks(): Record<string, string> {
    return argoCdHealthData();
  }

  public readonly name: string;
  public readonly namespace: string;
  public readonly controllerName: string;
  public readonly serviceAccountName: string;
  private readonly props: GatewayRuntimeProps;
  private readonly gateways: IGateway[] = [];
  private readonly units = new Map<string, Unit>();
  private readonly leaseNames: string[] = [];

  public constructor(scope: Construct, id: string, props: GatewayRuntimeProps) {
    super(scope, id);
    this.props = props;
    this.name = dnsLabel(props.name ?? 'portico');
    this.namespace = props.namespace ?? chartNamespace(this) ?? 'portico-system';
    this.controllerName = props.gatewayClass instanceof GatewayClass ? props.gatewayClass.controllerName : PORTICO_CONTROLLER_NAME;
    this.serviceAccountName = this.name;
    const offset = props.portOffset ?? 10000;
    if (!Number.isInteger(offset) || offset < 0 || offset > 65535) throw new Error(`portOffset ${offset} must be an integer 0..65535`);
    if ((props.replicas ?? 2) < 1) throw new Error(`replicas ${props.replicas} must be at least 1`);

    if (props.createNamespace ?? true) {
      this.runtimeObject('Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.namespace } }, true);
    }
    this.runtimeObject('ServiceAccount', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: this.serviceAccountName } });
    this.addRbac();
    const crds = props.gatewayApiCrds ?? GatewayApiChannel.STANDARD;
    if (crds !== 'none') {
      const chart = new Chart(App.of(this), `${this.name}-gateway-api-crds`);
      addGatewayApiCrds(chart, crds);
      addPorticoPolicyCrds(chart);
    }
    if (props.gatewayClass instanceof GatewayClass) this.orderAfterRuntime(props.gatewayClass.apiObject);
    for (const g of props.gateways ?? []) this.addGateway(g);
    this.node.addValidation({ validate: () => [...this.units.values()].flatMap((u) => this.collisions(u)) });
  }

  /**
   * Merged Gateways are all bound on the pod's addresses: two of them on one port cannot both
   * listen (the second reports Programmed=False, AddressNotUsable, and the pod never turns ready).
   */
  private collisions(unit: Unit): string[] {
    if (unit.gateways.length < 2) return [];
    const owner = new Map<string, string>();
    const out: string[] = [];
    for (const l of this.listenerPorts(unit)) {
      const key = `${l.protocol === 'UDP' ? 'UDP' : 'TCP'} port ${l.port}`;
      const gw = l.gateway;
      const first = owner.get(key);
      if (first === undefined) owner.set(key, gw);
      else if (first !== gw) out.push(`gateways ${first} and ${gw} of merged runtime ${unit.name} both listen on ${key}; give them different ports or set mergeGateways: false`);
    }
    return [...new Set(out)];
  }

  /** Runs this Gateway: its own Deployment and Service, or the merged ones. */
  public addGateway(gateway: IGateway): void {
    if (this.gateways.some((g) => gatewayKey(g) === gatewayKey(gateway))) throw new Error(`gateway ${gatewayKey(gateway)} is already added to runtime ${this.name}`);
    if (gateway instanceof Gateway && gateway.gatewayClass.name !== this.props.gatewayClass.name) {
      throw new Error(`gateway ${gatewayKey(gateway)} has gatewayClassName ${gateway.gatewayClass.name}, but runtime ${this.name} serves class ${this.props.gatewayClass.name}; add it to that class's runtime`);
    }
    this.gateways.push(gateway);
    if (gateway instanceof Gateway) this.orderAfterRuntime(gateway.apiObject);
    const unitName = this.props.mergeGateways ? this.name
      : dnsLabel(gateway.namespace === this.namespace ? `${this.name}-${gateway.name}` : `${this.name}-${gateway.namespace}-${gateway.name}`);
    let unit = this.units.get(unitName);
    if (unit) unit.gateways.push(gateway);
    else {
      unit = { name: unitName, gateways: [gateway], labelled: [] };
      this.units.set(unitName, unit);
      this.leaseNames.push(`${unitName}-leader`);
      this.addUnit(unit);
    }
    const infra = this.infrastructure(unit);
    for (const o of unit.labelled) {
      for (const [k, v] of Object.entries(infra.labels)) o.metadata.addLabel(k, v);
      for (const [k, v] of Object.entries(infra.annotations)) o.metadata.addAnnotation(k, v);
    }
  }

  /**
   * Emits the argocd-cm entries for the health checks as a ConfigMap applied server-side, so only
   * these keys are owned and the rest of argocd-cm is left alone.
   */
  public addArgoCdHealthChecks(argoCdNamespace = 'argocd'): ApiObject {
    const cm = new ApiObject(this, 'ArgoCdHealthChecks', {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: 'argocd-cm', namespace: argoCdNamespace, labels: { 'app.kubernetes.io/part-of': 'argocd' } },
      data: argoCdHealthData(),
    });
    cm.metadata.addAnnotation(SYNC_OPTIONS, 'ServerSideApply=true,Prune=false,Delete=false');
    setSyncWave(cm, SyncWave.CRDS);
    return cm;
  }

  private runtimeObject(id: string, manifest: { apiVersion: string; kind: string; metadata: Record<string, any>; [key: string]: any }, clusterScoped = false): ApiObject {
    const obj = new ApiObject(this, id, { ...manifest, metadata: { ...manifest.metadata, ...(clusterScoped ? {} : { namespace: this.namespace }) } });
    setSyncWave(obj, SyncWave.RUNTIME);
    // cdk8s stamps the chart namespace on every object; cluster-scoped kinds must not carry one.
    if (clusterScoped && obj.metadata.namespace) obj.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    return obj;
  }

  /** GatewayClass and Gateways apply after the gateway runs (and its CRDs exist); routes keep wave 0, after them. */
  private orderAfterRuntime(obj: ApiObject): void {
    setSyncWave(obj, SyncWave.GATEWAYS);
  }

  private watched(): string[] | undefined {
    const ns = this.props.watchNamespaces;
    return ns?.length ? [...new Set([...ns, this.namespace])].sort() : undefined;
  }

  private addRbac(): void {
    const subject = [{ kind: 'ServiceAccount', name: this.serviceAccountName, namespace: this.namespace }];
    const clusterRoleName = `${this.name}-${this.namespace}`;
    const watched = this.watched();
    const clusterRules: PolicyRule[] = watched ? clusterScopedRules() : [...clusterScopedRules(), ...namespacedRules()];
    this.runtimeObject('ClusterRole', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: clusterRoleName }, rules: clusterRules }, true);
    this.runtimeObject('ClusterRoleBinding', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: clusterRoleName },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRoleName }, subjects: subject,
    }, true);
    const roles: { namespace: string; name: string; rules: () => PolicyRule[] }[] = [
      { namespace: this.namespace, name: `${this.name}-leader-election`, rules: () => leaseRules(this.leaseNames) },
      ...(watched ?? []).map((namespace) => ({ namespace, name: `${this.name}-watch`, rules: namespacedRules })),
    ];
    for (const r of roles) {
      const id = `${r.namespace}-${r.name}`;
      const role = new ApiObject(this, `Role-${id}`, {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: r.name, namespace: r.namespace },
        rules: Lazy.any({ produce: r.rules }),
      });
      const binding = new ApiObject(this, `RoleBinding-${id}`, {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: r.name, namespace: r.namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: r.name }, subjects: subject,
      });
      for (const o of [role, binding]) setSyncWave(o, SyncWave.RUNTIME);
    }
  }

  /** Listeners of the unit's Gateways and of every ListenerSet in the app attached to them, read at synth. */
  private listenerPorts(unit: Unit): (ListenerPort & { gateway: string })[] {
    const keys = new Set(unit.gateways.map(gatewayKey));
    const out: (ListenerPort & { gateway: string })[] = [];
    for (const g of unit.gateways) {
      for (const l of g.listeners) out.push({ source: `Gateway ${gatewayKey(g)} listener ${l.name}`, gateway: gatewayKey(g), port: l.port, protocol: l.protocol });
    }
    for (const c of App.of(this).node.findAll()) {
      if (!(c instanceof ListenerSet) || !keys.has(gatewayKey(c.gateway))) continue;
      for (const l of c.listeners) out.push({ source: `ListenerSet ${c.namespace}/${c.name} listener ${l.name}`, gateway: gatewayKey(c.gateway), port: l.port, protocol: l.protocol });
    }
    return out;
  }

  /** spec.infrastructure labels and annotations of the unit's Gateways (a key set twice differently is an error). */
  private infrastructure(unit: Unit): { labels: Record<string, string>; annotations: Record<string, string> } {
    const labels: Record<string, string> = {}, annotations: Record<string, string> = {};
    for (const g of unit.gateways) {
      if (!(g instanceof Gateway)) continue;
      for (const [into, from, what] of [[labels, g.infrastructure?.labels, 'label'], [annotations, g.infrastructure?.annotations, 'annotation']] as const) {
        for (const [k, v] of Object.entries(from ?? {})) {
          if (into[k] !== undefined && into[k] !== v) {
            throw new Error(`gateways of merged runtime ${unit.name} set infrastructure ${what} ${k} to both "${into[k]}" and "${v}"; use one value or do not merge them`);
          }
          into[k] = v;
        }
      }
    }
    return { labels, annotations };
  }

  private addUnit(unit: Unit): void {
    const p = this.props;
    const offset = p.portOffset ?? 10000;
    const drainSeconds = Math.ceil((p.drainTimeout ?? Duration.seconds(30)).toSeconds());
    const selector = { [NAME_LABEL]: 'portico', [INSTANCE_LABEL]: unit.name };
    const labels = { ...selector, 'app.kubernetes.io/component': 'gateway' };
    const metadata = (name: string) => ({ name, labels });
    // Read at synth: a merged runtime's later Gateways add theirs.
    const podMetadata = Lazy.any({
      produce: () => {
        const infra = this.infrastructure(unit);
        return { labels: { ...infra.labels, ...labels }, ...(Object.keys(infra.annotations).length ? { annotations: infra.annotations } : {}) };
      },
    });
    const watched = this.watched();
    const secretName = p.sessionKeySecret ?? `${this.name}-session-key`;
    const workers = workerCount(p.workers, p.resources?.cpuLimit);
    const args = Lazy.any({
      produce: () => [
        'serve', '--kubernetes',
        '--controller-name', this.controllerName,
        ...unit.gateways.flatMap((g) => ['--gateway', gatewayKey(g)]),
        ...(watched ?? []).flatMap((n) => ['--namespace', n]),
        '--publish-service', `${this.namespace}/${unit.name}`,
        '--port-offset', String(offset),
        '--lease-namespace', this.namespace, '--lease-name', `${unit.name}-leader`,
        '--session-key-file', `${SESSION_KEY_DIR}/key`,
        '--drain-timeout', String(drainSeconds),
        '--workers', String(workers),
      ],
    });

    const deployment = this.runtimeObject(`Deployment-${unit.name}`, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: metadata(unit.name),
      spec: {
        replicas: p.replicas ?? 2,
        selector: { matchLabels: selector },
        template: {
          metadata: podMetadata,
          spec: {
            serviceAccountName: this.serviceAccountName,
            terminationGracePeriodSeconds: drainSeconds + 5,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } }],
            containers: [{
              name: 'gateway',
              image: p.image.reference,
              imagePullPolicy: 'IfNotPresent',
              args,
              ports: Lazy.any({
                produce: () => [
                  { name: 'probes', containerPort: PROBES_PORT, protocol: 'TCP' },
                  ...servicePorts(this.listenerPorts(unit), offset, [ADMIN_PORT, PROBES_PORT]).map((sp) => ({ containerPort: sp.targetPort, protocol: sp.protocol })),
                ],
              }),
              livenessProbe: { httpGet: { path: '/healthz', port: 'probes' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
              readinessProbe: { httpGet: { path: '/readyz', port: 'probes' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
              resources: {
                requests: { cpu: p.resources?.cpuRequest ?? '100m', memory: p.resources?.memoryRequest ?? '128Mi' },
                limits: { memory: p.resources?.memoryLimit ?? `${256 + 128 * workers}Mi`, ...(p.resources?.cpuLimit ? { cpu: p.resources.cpuLimit } : {}) },
              },
              securityContext: {
                runAsNonRoot: true, privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'session-key', mountPath: SESSION_KEY_DIR, readOnly: true },
              ],
            }],
            volumes: [
              { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
              { name: 'session-key', secret: { secretName, items: [{ key: 'key', path: 'key' }] } },
            ],
          },
        },
      },
    });

    const type = p.serviceType ?? GatewayServiceType.LOAD_BALANCER;
    const service = this.runtimeObject(`Service-${unit.name}`, {
      apiVersion: 'v1', kind: 'Service', metadata: metadata(unit.name),
      spec: {
        type,
        // Keeps the client's address (for logs and source-based rules) and skips a second hop.
        ...(type === GatewayServiceType.CLUSTER_IP ? {} : { externalTrafficPolicy: 'Local' }),
        selector,
        ports: Lazy.any({ produce: () => servicePorts(this.listenerPorts(unit), offset, [ADMIN_PORT, PROBES_PORT]).map((sp) => ({ ...sp })) }),
      },
    });
    // Metrics on a ClusterIP Service of their own: never exposed through the load balancer.
    const metricsName = dnsLabel(`${unit.name}-metrics`);
    const metricsLabels = { ...labels, 'app.kubernetes.io/component': 'gateway-metrics' };
    this.runtimeObject(`MetricsService-${unit.name}`, {
      apiVersion: 'v1', kind: 'Service', metadata: { name: metricsName, labels: metricsLabels },
      spec: { type: 'ClusterIP', selector, ports: [{ name: 'metrics', port: PROBES_PORT, targetPort: 'probes', protocol: 'TCP' }] },
    });
    const pdb = this.runtimeObject(`PodDisruptionBudget-${unit.name}`, {
      apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: metadata(unit.name),
      // maxUnavailable (not minAvailable) so a single replica never blocks a node drain.
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    });
    unit.labelled.push(deployment, service, pdb);
    if (p.serviceMonitor) {
      const sm = new servicemonitors.ServiceMonitor(this, `ServiceMonitor-${unit.name}`, {
        metadata: { name: unit.name, namespace: this.namespace, labels },
        spec: {
          selector: { matchLabels: { [INSTANCE_LABEL]: unit.name, 'app.kubernetes.io/component': 'gateway-metrics' } },
          endpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }],
        },
      });
      setSyncWave(sm, SyncWave.RUNTIME);
      for (const [k, v] of Object.entries(this.infrastructure(unit).labels)) sm.metadata.addLabel(k, v);
    }
  }
}

/**
 * The --workers of a pod: as given (a whole number >= 1), else one per whole core of the CPU limit
 * ("2" or "2000m": 2; "500m": 1), else 2. Without a limit, the node's core count would be the
 * gateway's own default, far more processes than the pod's memory is sized for.
 */
export function workerCount(workers: number | undefined, cpuLimit: string | undefined): number {
  if (workers !== undefined) {
    if (!Number.isInteger(workers) || workers < 1 || workers > 1024) throw new Error(`GatewayRuntime workers must be a whole number from 1 to 1024, got ${workers}`);
    return workers;
  }
  if (cpuLimit === undefined) return 2;
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(cpuLimit.trim());
  if (!m) return 2;
  const cores = Number(m[1]) / (m[2] === 'm' ? 1000 : 1);
  return Math.max(1, Math.floor(cores));
}
