// The one offline validation, run by synth (constructs) and `portico validate` (CLI): per object
// the CRD schema and CEL rules the API server applies, then the translator over the whole set
// (what the gateway would report in status), then registered hooks (the tenancy rules) that judge
// the translator's own decisions. Pure: no I/O, no clock (`now` only stamps conditions).
import type { CertificateInspector, KubeObject, Snapshot } from '../model/index.ts';
import { fromObjects, snapshotKeyOf } from '../model/index.ts';
import type { Decisions, Problem, TranslateResult } from '../translator/api.ts';
import { ASSUMED_EXTERNAL_ANNOTATION, assumeExternalRefs } from '../translator/assume-external.ts';
import { translate } from '../translator/index.ts';
import { validateObject } from '../translator/schema/index.ts';

export interface OfflineInput {
  /** Every manifest (any kind); Gateway API kinds and what they reference reach the translator. */
  objects: readonly unknown[];
  /**
   * Judge the Gateways of these controllers (each in its own translation). Synth judges every
   * class in the app; the CLI judges the one named by --controller-name.
   */
  controllerNames: readonly string[];
  /**
   * The input stage's certificate check (model/pki.ts), run over the objects' Secrets and
   * ConfigMaps before the translator: the hosts pass gateway/pki's inspectCertificates (node:crypto,
   * what serve uses), so synth and `portico validate` reject the Secrets serve would refuse (key
   * mismatch, unparseable). It stays a parameter because this module is pure. @default - none:
   * the translator then checks only the PEM's shape
   */
  inspectCertificates?: CertificateInspector;
  /** Rules that run after the translator, over its decisions (e.g. tenancyRules()). */
  hooks?: readonly OfflineHook[];
  /** RFC 3339 time for condition timestamps; irrelevant to the verdict. @default the epoch */
  now?: string;
}

/** What a hook sees: the objects, the snapshot the translator judged, and its decisions. */
export interface OfflineView {
  /** The input objects that are Kubernetes objects (namespaced Gateway API and core kinds defaulted to "default"). */
  objects: readonly KubeObject<any>[];
  /** The translated snapshot, including placeholders for what the manifests only reference. */
  snapshot: Snapshot;
  /** The translator's decisions, over every judged controller. */
  decisions: Decisions;
}

export type OfflineHook = (view: OfflineView) => Problem[];

export interface OfflineResult {
  /** Errors and warnings, schema first, then the translator's, then each hook's. */
  problems: Problem[];
  view: OfflineView;
  /** Each judged controller's translation (IR, status, decisions), in the order judged. */
  translations: { controllerName: string; result: TranslateResult }[];
}

const EPOCH = '1970-01-01T00:00:00Z';

export function validateOffline(input: OfflineInput): OfflineResult {
  const now = input.now ?? EPOCH;
  const problems: Problem[] = [];
  // Every input gets the schema check (a missing metadata.name is a schema error); only what
  // has a kind and a name can be translated.
  for (const o of input.objects) problems.push(...validateObject(o));
  const objects = input.objects.filter(isKubeObject);

  const { snapshot: parsed } = fromObjects([...objects]);
  const { snapshot, warnings } = assumeExternalRefs(input.inspectCertificates ? { ...parsed, pki: input.inspectCertificates(parsed) } : parsed);
  problems.push(...warnings);
  const decisions: Decisions = { parents: [], references: [] };
  const translations: OfflineResult['translations'] = [];
  for (const controllerName of [...new Set(input.controllerNames)].sort()) {
    const r = translate(snapshot, { controllerName, now });
    translations.push({ controllerName, result: r });
    problems.push(...r.problems);
    decisions.parents.push(...r.decisions.parents);
    decisions.references.push(...r.decisions.references);
  }
  const view: OfflineView = { objects: objects.map(judgedAs), snapshot, decisions };
  for (const hook of input.hooks ?? []) problems.push(...hook(view));
  return { problems: distinct(problems), view, translations };
}

/** Whether a snapshot object is a placeholder for something the manifests only reference. */
export function isAssumedExternal(o: KubeObject): boolean {
  return o.metadata.annotations?.[ASSUMED_EXTERNAL_ANNOTATION] === 'true';
}

function isKubeObject(o: unknown): o is KubeObject<any> {
  const r = o as KubeObject | null;
  return !!r && typeof r === 'object' && typeof r.kind === 'string' && !!r.metadata && typeof r.metadata.name === 'string';
}

/**
 * An object as the offline validation judges it: fromObjects() puts namespaced kinds without a
 * namespace into "default", so problems and decisions name it there. Hooks see objects this way.
 */
export function judgedAs(o: KubeObject<any>): KubeObject<any> {
  const key = snapshotKeyOf(o);
  if (!key || key === 'gatewayClasses' || key === 'namespaces' || o.metadata.namespace) return o;
  return { ...o, metadata: { ...o.metadata, namespace: 'default' } };
}

// The same check can come out of two stages word for word (a schema rule the translator also
// enforces, a route judged under two controllers); a person needs to read it once.
function distinct(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = JSON.stringify([p.severity, p.ref, p.field, p.reason, p.message]);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
