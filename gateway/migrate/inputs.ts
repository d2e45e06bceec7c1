// The objects `portico migrate` reads, sorted by kind: Ingresses and IngressClasses to convert,
// Services (named ports, ExternalName bridges), Secrets (only whether a TLS Secret or CA exists)
// and the ingress-nginx controller's ConfigMap. Plain shapes of the fields used; nothing else.

export interface Meta {
  name: string;
  namespace?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  creationTimestamp?: string;
}

export interface IngressBackend {
  service?: { name: string; port?: { number?: number; name?: string } };
  resource?: { apiGroup?: string; kind: string; name: string };
}

export interface IngressPath {
  path?: string;
  pathType?: 'Exact' | 'Prefix' | 'ImplementationSpecific';
  backend: IngressBackend;
}

export interface Ingress {
  apiVersion: string;
  kind: 'Ingress';
  metadata: Meta;
  spec?: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    tls?: { hosts?: string[]; secretName?: string }[];
    rules?: { host?: string; http?: { paths?: IngressPath[] } }[];
  };
}

export interface IngressClass {
  kind: 'IngressClass';
  metadata: Meta;
  spec?: { controller?: string };
}

export interface Service {
  kind: 'Service';
  metadata: Meta;
  spec?: { type?: string; externalName?: string; ports?: { name?: string; port: number; targetPort?: number | string; appProtocol?: string }[] };
}

export interface ConfigMap {
  kind: 'ConfigMap';
  metadata: Meta;
  data?: Record<string, string>;
}

export interface Inputs {
  ingresses: Ingress[];
  ingressClasses: IngressClass[];
  services: Service[];
  /** "namespace/name" of every Secret given. */
  secrets: Set<string>;
  configMaps: ConfigMap[];
  /** Kinds given that migrate does not read, with their count (for the summary). */
  ignored: Map<string, number>;
}

export function nsName(m: Meta): string {
  return `${m.namespace ?? 'default'}/${m.name}`;
}

/** Sorts parsed manifests (any order, lists unwrapped) into what migrate reads. */
export function sortInputs(objects: readonly unknown[]): Inputs {
  const out: Inputs = { ingresses: [], ingressClasses: [], services: [], secrets: new Set(), configMaps: [], ignored: new Map() };
  const visit = (o: unknown): void => {
    if (o === null || typeof o !== 'object') return;
    const r = o as { kind?: string; items?: unknown[]; metadata?: Meta };
    if (r.kind === 'List' || (typeof r.kind === 'string' && r.kind.endsWith('List') && Array.isArray(r.items))) { r.items?.forEach(visit); return; }
    if (!r.metadata?.name) return;
    const meta = { ...r.metadata, namespace: r.kind === 'IngressClass' ? undefined : (r.metadata.namespace ?? 'default') };
    const obj = { ...r, metadata: meta };
    switch (r.kind) {
      case 'Ingress': out.ingresses.push(obj as Ingress); break;
      case 'IngressClass': out.ingressClasses.push(obj as IngressClass); break;
      case 'Service': out.services.push(obj as Service); break;
      case 'Secret': out.secrets.add(nsName(meta)); break;
      case 'ConfigMap': out.configMaps.push(obj as ConfigMap); break;
      default: out.ignored.set(String(r.kind), (out.ignored.get(String(r.kind)) ?? 0) + 1);
    }
  };
  objects.forEach(visit);
  // Deterministic output whatever the file order: oldest first (ingress-nginx's own tie-break), then by name.
  out.ingresses.sort((x, y) => (x.metadata.creationTimestamp ?? '').localeCompare(y.metadata.creationTimestamp ?? '') || nsName(x.metadata).localeCompare(nsName(y.metadata)));
  return out;
}
