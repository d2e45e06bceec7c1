// The App-level validation: every object the app synthesizes (plus stand-ins for what it only
// refers to) goes through validateOffline(), the same offline validation `portico validate` runs
// (CRD schema, the translator, the tenancy rules over the translator's decisions). Each problem
// is reported on the construct that declared the object, so cdk8s prefixes it with that path.
import { App } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { Problem } from '../../gateway/translator/index.ts';
import { inspectCertificates } from '../../gateway/pki/certificates.ts';
import { formatProblem, isAssumedExternal, tenancyRules, validateOffline } from '../../gateway/validate/index.ts';
import { PORTICO_CONTROLLER_NAME } from '../gateway-class.ts';
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

/** "HTTPRoute shop/checkout spec.hostnames[0]: <message> (<reason>) — fix: <fix>" (the one formatter). */
export { formatProblem };

/** Runs every check over the app without throwing; app.synth() runs it via attachValidation(). */
export function validateApp(app: App, options: ValidationOptions = {}): AppValidationResult {
  return judge(collect(app, options.controllerName ?? PORTICO_CONTROLLER_NAME), options);
}

function judge({ objects, standIns, tenants }: Collected, options: ValidationOptions): AppValidationResult {
  const controller = options.controllerName ?? PORTICO_CONTROLLER_NAME;
  const owners = new Map<string, CollectedObject>();
  const tenantOf = new Map<string, string>();
  for (const o of objects) {
    owners.set(objectRefKey(o.obj), o);
    if (o.tenant) tenantOf.set(objectRefKey(o.obj), o.tenant);
  }
  const all = [...objects.map((o) => o.obj), ...standIns];
  // Every class in the app is judged by its own controller; imported Gateways by ours.
  const controllers = [controller, ...all.filter((o) => o.kind === 'GatewayClass').map((c) => c.spec?.controllerName).filter((c): c is string => typeof c === 'string')];
  const { problems, view } = validateOffline({
    objects: all,
    controllerNames: controllers,
    // The certificate checks serve and `portico validate` run (node:crypto): a key that does not
    // match its certificate fails synth with the same message.
    inspectCertificates,
    // The clock only words warnings (an expired certificate is still served, with a warning).
    now: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    hooks: [tenancyRules({ tenants, tenantOf: (o) => tenantOf.get(objectRefKey(o)) })],
  });
  const elsewhere = new Set(standIns.map(objectRefKey));
  for (const list of [view.snapshot.services, view.snapshot.secrets, view.snapshot.configMaps]) {
    for (const o of list) if (isAssumedExternal(o)) elsewhere.add(objectRefKey(o));
  }

  const errors: AppProblem[] = [];
  const warnings: AppProblem[] = [];
  for (const p of problems) {
    const key = refKey(p.ref);
    const owner = owners.get(key);
    if (!owner && elsewhere.has(key)) continue; // stand-ins belong to another repo; it validates them
    // A problem on an object no construct declared (should not happen) is still reported, on the app.
    const entry: AppProblem = { path: owner?.owner.node.path ?? '', construct: owner?.owner, problem: p, text: formatProblem(p) };
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
      const key = JSON.stringify([collected.objects.map((o) => [o.owner.node.path, o.obj, o.tenant]), collected.standIns, collected.tenants]);
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
