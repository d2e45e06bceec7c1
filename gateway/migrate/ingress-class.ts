// Which Ingresses ingress-nginx serves, by its own rules: spec.ingressClassName naming an
// IngressClass of its controller, else the deprecated kubernetes.io/ingress.class annotation,
// else (no class at all) the IngressClass marked as the cluster default. Everything else belongs
// to another controller and is left alone (with a report line, so nothing vanishes unexplained).
import type { Ingress, IngressClass } from './inputs.ts';

export const NGINX_CONTROLLER = 'k8s.io/ingress-nginx';
export const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

export interface ClassOptions {
  /** ingress-nginx's --ingress-class (default "nginx"): the class it serves when no IngressClass object is given. */
  readonly ingressClass: string;
  /** ingress-nginx's --watch-ingress-without-class. */
  readonly withoutClass: boolean;
}

export type ClassVerdict = { served: true; why: string } | { served: false; why: string };

export function classVerdict(ing: Ingress, classes: readonly IngressClass[], opts: ClassOptions): ClassVerdict {
  const ours = new Set(classes.filter((c) => c.spec?.controller === NGINX_CONTROLLER).map((c) => c.metadata.name));
  // Without IngressClass objects in the input, the class named on the command line stands for them.
  if (classes.length === 0) ours.add(opts.ingressClass);
  const named = ing.spec?.ingressClassName;
  if (named !== undefined) {
    return ours.has(named) ? { served: true, why: `ingressClassName ${named}` }
      : { served: false, why: `ingressClassName "${named}" is not an ingress-nginx class (${[...ours].join(', ') || 'none given'})` };
  }
  const legacy = ing.metadata.annotations?.[CLASS_ANNOTATION];
  if (legacy !== undefined) {
    return ours.has(legacy) ? { served: true, why: `${CLASS_ANNOTATION}: ${legacy}` }
      : { served: false, why: `${CLASS_ANNOTATION} "${legacy}" is not an ingress-nginx class` };
  }
  const dflt = classes.find((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
  if (dflt !== undefined) {
    return ours.has(dflt.metadata.name) ? { served: true, why: `no class; ${dflt.metadata.name} is the default IngressClass` }
      : { served: false, why: `no class, and the default IngressClass ${dflt.metadata.name} belongs to ${dflt.spec?.controller ?? 'another controller'}` };
  }
  return opts.withoutClass ? { served: true, why: 'no class (--without-class)' }
    : { served: false, why: 'no class and no default IngressClass (ingress-nginx ignores it unless --watch-ingress-without-class; pass --without-class)' };
}
