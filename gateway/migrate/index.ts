// `portico migrate`, the pure part: parsed manifests in; the construct program, the plan and the
// report out. The CLI (gateway/cli/migrate.ts) reads files and writes the app or the YAML.
import type { Stmt } from './code.ts';
import { controllerDefaults, pickConfigMap } from './controller-config.ts';
import { convert } from './convert.ts';
import { emitProgram } from './emit.ts';
import { classVerdict } from './ingress-class.ts';
import { nsName, sortInputs, type Ingress } from './inputs.ts';
import type { Plan } from './plan.ts';
import type { PolicyKinds } from './policies.ts';
import { Report, type ReportLine } from './report.ts';

export interface MigrateOptions {
  /** The Gateway the routes attach to (created by the emitted platform chart). @default portico-system/public */
  readonly gateway?: { namespace: string; name: string };
  /** ingress-nginx's --ingress-class. @default 'nginx' */
  readonly ingressClass?: string;
  /** ingress-nginx's --watch-ingress-without-class. @default false */
  readonly withoutClass?: boolean;
  /** "namespace/name" of the controller ConfigMap. @default - one named ingress-nginx-controller or nginx-configuration */
  readonly configMap?: string;
  /** Portico policy kinds to emit. @default AVAILABLE_POLICIES */
  readonly policies?: PolicyKinds;
}

/** The policy kinds this build of Portico has (issue 13: SecurityPolicy; issue 14: TrafficPolicy). */
export const AVAILABLE_POLICIES: PolicyKinds = { security: true, traffic: true };

export interface MigrateResult {
  plan: Plan;
  program: Stmt[];
  report: ReportLine[];
  /** The Ingresses converted and those left to other controllers. */
  converted: string[];
  leftAlone: string[];
}

export function migrate(objects: readonly unknown[], options: MigrateOptions = {}): MigrateResult {
  const inputs = sortInputs(objects);
  const report = new Report();
  const cm = pickConfigMap(inputs.configMaps, options.configMap);
  if (options.configMap !== undefined && cm === undefined) report.error(options.configMap, undefined, 'the ConfigMap given with --configmap is not among the inputs; ingress-nginx defaults used');
  const defaults = controllerDefaults(cm, report);
  const served: Ingress[] = [];
  const leftAlone: string[] = [];
  for (const ing of inputs.ingresses) {
    const v = classVerdict(ing, inputs.ingressClasses, { ingressClass: options.ingressClass ?? 'nginx', withoutClass: options.withoutClass ?? false });
    if (v.served) served.push(ing);
    else { leftAlone.push(nsName(ing.metadata)); report.info(nsName(ing.metadata), 'spec.ingressClassName', `left alone: ${v.why}`); }
  }
  for (const ing of served) {
    if (!ing.apiVersion?.startsWith('networking.k8s.io/v1')) report.warning(nsName(ing.metadata), 'apiVersion', `${ing.apiVersion} is read as networking.k8s.io/v1; check the converted paths and backends`);
  }
  const plan = convert(served, inputs, { gateway: options.gateway ?? { namespace: 'portico-system', name: 'public' }, defaults, policies: options.policies ?? AVAILABLE_POLICIES }, report);
  return { plan, program: emitProgram(plan), report: report.lines, converted: served.map((i) => nsName(i.metadata)), leftAlone };
}

export { ANNOTATIONS, NGINX_PREFIX } from './annotations.ts';
export { printProgram } from './print-ts.ts';
export { reportMarkdown, reportText, type ReportLine } from './report.ts';
