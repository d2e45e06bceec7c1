// The one App-level validation: every object the app synthesizes (plus stand-ins for what it
// only refers to) goes through the same translator and CRD schema checks the gateway and the API
// server apply, plus the tenancy rules. Each error is reported on the construct that declared
// the object, so cdk8s prefixes it with that construct's path.
import { App } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { KubeObject } from '../../gateway/model/index.ts';
import { fromObjects } from '../../gateway/model/index.ts';
import { assumeExternalRefs } from '../../gateway/translator/assume-external.ts';
import { translate } from '../../gateway/translator/index.ts';
import type { Problem } from '../../gateway/translator/index.ts';
import { validateObject } from '../../gateway/translator/schema/index.ts';
import { PORTICO_CONTROLLER_NAME } from '../gateway-class.ts';
import { referenceGrantProblems, tenantProblems, type TenantObject } from '../../gateway/translator/tenancy.ts';
import { Tenant } from '../tenancy/tenant.ts';
import { Annotations } from './annotations.ts';
import { collect, Collected, CollectedObject, objectRefKey, refKey } from './collect.ts';

export interface ValidationOptions {
  /**
   * Controller whose view the translator takes for Gateways whose class is not in the app.
   * Classes in the app are each judged by their own controllerName.
   *
   * @default - PORTICO_CONTROLLER_NAME
   */
  readonly controllerName?: string;
  /**
   * Print warnings (e.g. Services assumed to exist) to stderr during synth.
   *
   * @default - true
   */
  readonly printWarnings?: boolean;
}

/** A problem placed on the construct that declared the object. */
export interface AppProblem {
  /** Construct path of the declaring construct ("" if the object is a stand-in or unknown). */
  readonly path: string;
  /** The declaring construct, when known. */
  readonly construct?: IConstruct;
  /** The underlying Problem (ref, field, reason, message, fix). */
  readonly problem: Problem;
  /** The message as reported (without the path prefix). */
  readonly text: string;
}

export interface AppValidationResult {
  /** Problems that fail synth. */
  readonly errors: AppProblem[];
  /** Problems reported but not failing synth (e.g. Services assumed to exist). */
  readonly warnings: AppProblem[];
}

// Synth has no clock to consult and needs none: condition times are irrelevant to the verdict.
const EPOCH = '1970-01-01T00:00:00Z';
// Rules whose message Portico writes itself: already phrased as "<value> <why>".
const OWN_REASONS = new Set(['TenantMayNotDeclare', 'OutsideTenantNamespaces', 'HostnameNotOwned', 'ListenerNotAllowed', 'RefNotPermittedSynth']);

/** "HTTPRoute shop/checkout spec.hostnames[0] <message>; <fix>" */
export function formatProblem(p: Problem): string {
  const id = p.ref.namespace ? `${p.ref.namespace}/${p.ref.name}` : p.ref.name;
  const reason = OWN_REASONS.has(p.reason) ? '' : ` (${p.reason})`;
  return `${p.ref.kind} ${id}${p.field ? ` ${p.field}` : ''} ${p.message}${reason}${p.fix ? `; ${p.fix}` : ''}`;
}

/** Runs every check over the app without throwing; app.synth() runs it via attachValidation(). */
export function validateApp(app: App, options: ValidationOptions = {}): AppValidationResult {
  return judge(collect(app, options.controllerName ?? PORTICO_CONTROLLER_NAME), options);
}

function judge({ objects, standIns }: Collected, options: ValidationOptions): AppValidationResult {
  const controller = options.controllerName ?? PORTICO_CONTROLLER_NAME;
  const owners = new Map<string, CollectedObject>();
  for (const o of objects) owners.set(objectRefKey(o.obj), o);
  const standInKeys = new Set(standIns.map(objectRefKey));

  const { snapshot: base } = fromObjects([...objects.map((o) => o.obj), ...standIns]);
  const { snapshot, warnings: assumed } = assumeExternalRefs(base);
  for (const o of [...snapshot.services, ...snapshot.secrets, ...snapshot.configMaps] as KubeObject[]) {
    if (o.metadata.annotations?.['portico.dev/assumed-external'] === 'true') standInKeys.add(objectRefKey(o));
  }

  const problems: Problem[] = [];
  for (const o of objects) problems.push(...validateObject(o.obj));
  // Ours first: where a tenancy rule and the translator flag the same field, ours has the fix.
  const judged: TenantObject[] = objects.map((o) => ({ obj: o.obj, tenant: o.tenant?._rules() }));
  const own = [...tenantProblems(judged, snapshot), ...referenceGrantProblems(judged, snapshot).map((p) => ({ ...p, reason: 'RefNotPermittedSynth' }))];
  problems.push(...own);
  const controllers = new Set([controller, ...snapshot.gatewayClasses.map((c) => c.spec?.controllerName).filter((c): c is string => !!c)]);
  for (const controllerName of [...controllers].sort()) {
    problems.push(...translate(snapshot, { controllerName, now: EPOCH }).problems);
  }

  const seen = new Set<string>();
  const ownFields = new Set(own.map((p) => `${refKey(p.ref)}#${p.field}`));
  const errors: AppProblem[] = [];
  const warnings: AppProblem[] = [];
  for (const p of [...problems, ...assumed]) {
    const key = refKey(p.ref);
    const owner = owners.get(key);
    if (!owner && standInKeys.has(key)) continue; // stand-ins belong to another repo; it validates them
    if (!OWN_REASONS.has(p.reason) && ownFields.has(`${key}#${p.field}`)) continue;
    const text = formatProblem(p);
    const dedupe = `${p.severity}|${key}|${text}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    // A problem on an object no construct declared (should not happen) is still reported, on the app.
    const entry: AppProblem = { path: owner?.owner.node.path ?? '', construct: owner?.owner, problem: p, text };
    (p.severity === 'error' ? errors : warnings).push(entry);
  }
  return { errors, warnings };
}

interface AttachedState {
  options: ValidationOptions;
  current: Map<IConstruct, string[]>;
  registered: WeakSet<IConstruct>;
  printed: Set<string>;
  last?: { key: string; result: AppValidationResult };
}

const attached = new WeakMap<App, AttachedState>();

/**
 * Makes app.synth()/synthYaml() run validateApp(). Errors are reported by the construct that
 * declared each object (so the message starts with its path). Idempotent per app.
 */
export function attachValidation(app: App, options: ValidationOptions = {}): void {
  if (attached.has(app)) return;
  const state: AttachedState = { options, current: new Map(), registered: new WeakSet(), printed: new Set() };
  attached.set(app, state);
  app.node.addValidation({
    // cdk8s validates in pre-order, so the root runs first: it computes the verdict and hands
    // each construct its own errors through a validation registered on that construct.
    validate: () => {
      // cdk8s re-validates the whole app on every chart.toJson(); judge each distinct output once.
      const collected = collect(app, state.options.controllerName ?? PORTICO_CONTROLLER_NAME);
      const tenants = app.node.findAll().filter((c): c is Tenant => c instanceof Tenant)
        .map((t) => [t.tenantName, t.namespaces, t.hostnames, t.allowListenerSets, t.listeners.map((l) => [l.parent.kind, l.parent.namespace, l.parent.name, l.name])]);
      const key = JSON.stringify([collected.objects.map((o) => [o.owner.node.path, o.obj]), collected.standIns, tenants]);
      const result = state.last?.key === key ? state.last.result : judge(collected, state.options);
      state.last = { key, result };
      state.current.clear();
      const orphans: string[] = [];
      for (const e of result.errors) {
        if (!e.construct || e.construct === app) { orphans.push(e.text); continue; }
        const list = state.current.get(e.construct) ?? [];
        list.push(e.text);
        state.current.set(e.construct, list);
        if (!state.registered.has(e.construct)) {
          state.registered.add(e.construct);
          const c = e.construct;
          c.node.addValidation({ validate: () => state.current.get(c) ?? [] });
        }
      }
      for (const w of result.warnings) {
        const c = w.construct ?? app;
        Annotations.of(c).addWarning(w.text);
        // Print each warning once per app, however often cdk8s re-validates.
        const line = `[warning] [${w.path}] ${w.text}`;
        if ((state.options.printWarnings ?? true) && !state.printed.has(line)) {
          state.printed.add(line);
          console.warn(line);
        }
      }
      return orphans;
    },
  });
}
