// What /status and /config serve, built from the last applied pipeline state.
import type { KubeObject, Snapshot } from '../model/index.ts';
import { snapshotLists } from '../model/index.ts';
import type { RoutingTable } from '../ir/index.ts';
import type { Problem, ResourceStatus } from '../translator/api.ts';

export interface StatusItem {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number; uid?: string; resourceVersion?: string; creationTimestamp?: string };
  status: Record<string, unknown>;
}

export interface StatusList {
  apiVersion: 'v1';
  kind: 'List';
  items: StatusItem[];
  /** Problems that are not conditions on an object (unparseable files), and those that are. */
  problems: Problem[];
}

const KIND_ORDER = ['GatewayClass', 'Gateway', 'ListenerSet', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'BackendTLSPolicy', 'XBackendTrafficPolicy', 'SecurityPolicy', 'TrafficPolicy'];

function indexSnapshot(s: Snapshot): Map<string, KubeObject> {
  const m = new Map<string, KubeObject>();
  for (const list of snapshotLists(s)) {
    for (const o of list) m.set(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
  }
  return m;
}

export function buildStatusList(statuses: ResourceStatus[], snapshot: Snapshot, problems: Problem[]): StatusList {
  const objects = indexSnapshot(snapshot);
  const items = statuses.map((rs): StatusItem => {
    const obj = objects.get(`${rs.ref.kind}/${rs.ref.namespace ?? ''}/${rs.ref.name}`);
    const m = obj?.metadata;
    const metadata: StatusItem['metadata'] = { name: rs.ref.name };
    if (rs.ref.namespace) metadata.namespace = rs.ref.namespace;
    metadata.generation = m?.generation ?? rs.generation;
    if (m?.uid) metadata.uid = m.uid;
    if (m?.resourceVersion) metadata.resourceVersion = m.resourceVersion;
    if (m?.creationTimestamp) metadata.creationTimestamp = m.creationTimestamp;
    return { apiVersion: obj?.apiVersion ?? `${rs.ref.group}/v1`, kind: rs.ref.kind, metadata, status: rs.status };
  });
  const rank = (k: string) => { const i = KIND_ORDER.indexOf(k); return i < 0 ? KIND_ORDER.length : i; };
  items.sort((a, b) => rank(a.kind) - rank(b.kind) ||
    `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`));
  return { apiVersion: 'v1', kind: 'List', items, problems };
}

/**
 * The IR with every private key replaced, so /config can be shared in a bug report. Any string
 * holding a PEM private key is caught, not only `keyPem`, so IR fields added later stay safe.
 */
export function redactTable(table: RoutingTable): RoutingTable {
  return JSON.parse(JSON.stringify(table, (k, v) =>
    typeof v === 'string' && (SECRET_FIELDS.has(k) || /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(v)) ? '<redacted>' : v));
}

/** IR fields that carry credentials from Secrets (SecurityPolicy: htpasswd hashes, API keys, OIDC secrets). */
const SECRET_FIELDS = new Set(['keyPem', 'hash', 'apiKey', 'clientSecret', 'cookieSecret']);
