// A fast, no-network conformance check of the translator alone: for every upstream case in
// test/conformance/cases, translate base/manifests.yaml + the case's manifests (prepared as
// upstream's Applier does) and check the first step's status conditions with the same checker
// the conformance runner uses. Keys that need a running gateway (addresses) are skipped.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromObjects, parseManifests, snapshotLists } from '../../gateway/model/index.ts';
import { SUPPORTED_FEATURES, translate } from '../../gateway/translator/index.ts';
import type { ConditionSpec, SecretSpec } from '../conformance/case-types.ts';
import { checkOne, type ConditionEnv } from '../conformance/checks/conditions.ts';
import { prepareObject } from '../conformance/placeholders.ts';
// Upstream suite Setup creates these for every test (conformance/utils/suite/suite.go); one list with the runner.
import { SUITE_SECRETS } from '../conformance/certs.ts';
import { PLACEHOLDER_CERT_PEM, PLACEHOLDER_KEY_PEM } from './placeholder-pem.ts';

const CASES = join(import.meta.dirname, '../conformance/cases');
const UPSTREAM = join(import.meta.dirname, '../conformance/upstream');
const CONTROLLER = 'portico.dev/gateway-controller';
const CLASS = 'portico-conformance';
const NOW = '2026-01-01T00:00:00Z';
const ADDRESSES = { usable: [{ type: 'IPAddress', value: '127.0.0.10' }], unusable: [{ type: 'IPAddress', value: '192.0.2.1' }] };

// Keys only a running gateway can answer.
const RUNTIME_KEYS = ['hasAddress', 'statusAddresses', 'generationChanged'] as const;

interface Case {
  name: string;
  features: string[];
  manifests: string[];
  conditions: ConditionSpec[];
  secrets?: SecretSpec[];
  skipIfSupported?: string[];
  skipUnlessSupported?: string[];
}

function material(s: SecretSpec): unknown {
  const metadata = { name: s.name, namespace: s.namespace, creationTimestamp: '2025-12-31T00:00:00Z' };
  if (s.type === 'ConfigMap') return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { 'ca.crt': PLACEHOLDER_CERT_PEM } };
  return { apiVersion: 'v1', kind: 'Secret', metadata, type: 'kubernetes.io/tls', stringData: { 'tls.crt': PLACEHOLDER_CERT_PEM, 'tls.key': PLACEHOLDER_KEY_PEM } };
}

/** The objects a cluster under test would hold: class, suite material, then the manifests in order. */
export function caseObjects(c: Case): any[] {
  const objects: any[] = [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: CLASS, creationTimestamp: '2025-12-31T00:00:00Z' }, spec: { controllerName: CONTROLLER } }];
  const docs: any[] = [];
  for (const file of ['base/manifests.yaml', ...c.manifests]) {
    const { objects: parsed, errors } = parseManifests(readFileSync(join(UPSTREAM, file), 'utf8'), file);
    assert.equal(errors, [], `${file} parses`);
    docs.push(...parsed);
  }
  // Applied in order, one second apart: creation order is what the spec's tie-breaks see.
  let t = Date.parse('2026-01-01T00:00:00Z');
  const named = new Set<string>();
  for (const d of docs) {
    const o = prepareObject(d, { gatewayClassName: CLASS, controllerName: CONTROLLER, ...ADDRESSES });
    o.metadata = { ...o.metadata, creationTimestamp: new Date(t).toISOString().replace('.000Z', 'Z') };
    t += 1000;
    named.add(`${o.kind}/${o.metadata.namespace ?? 'default'}/${o.metadata.name}`);
    objects.push(o);
  }
  for (const s of [...SUITE_SECRETS, ...(c.secrets ?? [])]) {
    const kind = s.type === 'ConfigMap' ? 'ConfigMap' : 'Secret';
    if (named.has(`${kind}/${s.namespace}/${s.name}`)) continue;
    named.add(`${kind}/${s.namespace}/${s.name}`);
    objects.push(material(s));
  }
  return objects;
}

function runnable(c: ConditionSpec): ConditionSpec | undefined {
  if (RUNTIME_KEYS.some((k) => c[k] !== undefined)) {
    const rest: ConditionSpec = { ...c };
    for (const k of RUNTIME_KEYS) delete rest[k];
    // Nothing left to check beyond the object itself.
    if (!rest.type && !rest.listener && !rest.parent && !rest.latestObservedGeneration && rest.listenerCount === undefined) return undefined;
    return rest;
  }
  // The gateway, not the translator, learns that a requested address cannot be bound.
  if (c.reason === 'AddressNotUsable' || (c.type === 'Programmed' && c.reason === 'AddressNotAssigned')) return undefined;
  return c;
}

function check(c: Case): string[] {
  const { snapshot } = fromObjects(caseObjects(c));
  const result = translate(snapshot, { controllerName: CONTROLLER, now: NOW });
  const live = new Map<string, any>();
  for (const list of snapshotLists(snapshot)) for (const o of list as any[]) live.set(`${o.kind}/${o.kind === 'GatewayClass' ? '' : o.metadata.namespace}/${o.metadata.name}`, o);
  const env: ConditionEnv = {
    status: result.statuses.map((s) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: s.ref.kind, metadata: { name: s.ref.name, namespace: s.ref.namespace, generation: s.generation }, status: s.status })),
    live: (kind, namespace, name) => live.get(`${kind}/${kind === 'GatewayClass' ? '' : namespace}/${name}`),
    controllerName: CONTROLLER, gatewayClassName: CLASS, addresses: ADDRESSES, seen: new Map(),
  };
  const failures: string[] = [];
  c.conditions.forEach((raw, i) => {
    const cond = runnable(raw);
    if (!cond) return;
    // noAcceptedParents wants an empty parents list seen twice: a translation is stable, so ask twice.
    const r = checkOne(env, cond, i) && checkOne(env, cond, i);
    if (r) failures.push(r);
  });
  return failures;
}

const cases: Case[] = readdirSync(CASES).filter((f) => f.endsWith('.json')).sort()
  .map((f) => JSON.parse(readFileSync(join(CASES, f), 'utf8')) as Case);
// Upstream skips a test unless every feature it names is supported. The translator also fully
// handles these kinds and fields that the GatewayClass does not advertise yet (the data plane
// decides that), so their status checks run here too.
const TRANSLATED = ['TLSRoute', 'TCPRoute', 'UDPRoute', 'GatewayFrontendClientCertificateValidation', 'BackendTLSPolicySANValidation', 'GRPCRouteNamedRouteRule'];
const supported = new Set<string>([...SUPPORTED_FEATURES, ...TRANSLATED]);

const s = suite('conformance status (translator only)');
for (const c of cases) {
  // Upstream returns without asserting anything in these cases.
  if (c.features.some((f) => !supported.has(f))) continue;
  if (c.skipIfSupported?.some((f) => supported.has(f))) continue;
  if (c.skipUnlessSupported?.some((f) => !supported.has(f))) continue;
  s(c.name, () => {
    const failures = check(c);
    assert.equal(failures, [], `${c.name}:\n  ${failures.join('\n  ')}`);
  });
}
s.run();
