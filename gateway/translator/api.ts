// The translator's public shapes. translate() is pure: (Snapshot, options) → TranslateResult.
import type { RoutingTable } from '../ir/index.ts';
import type { Condition, ParentReference } from '../model/index.ts';

export interface TranslateOptions {
  /** GatewayClasses whose spec.controllerName equals this are ours. */
  controllerName: string;
  /** RFC 3339 time used for lastTransitionTime of conditions that changed. Injected: no clock here. */
  now: string;
  /**
   * Only translate these Gateways ("namespace/name"); undefined = every Gateway of our classes.
   */
  gateways?: string[];
}

export interface ObjectRef {
  group: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** The exact `status` block a controller would write for one object. */
export interface ResourceStatus {
  ref: ObjectRef;
  generation: number;
  status: Record<string, unknown>;
}

export interface Problem {
  severity: 'error' | 'warning';
  ref: ObjectRef;
  /** JSON-path-like location of the offending field, e.g. "spec.rules[0].backendRefs[1]". */
  field: string;
  /** The condition reason or rule that failed (e.g. "RefNotPermitted", "CEL"). */
  reason: string;
  message: string;
  /** What to change to make it pass. */
  fix?: string;
}

export interface TranslateResult {
  table: RoutingTable;
  statuses: ResourceStatus[];
  /**
   * Everything that made a resource not Accepted/ResolvedRefs/Programmed, or a listener
   * Conflicted, as lines a person can act on (synth and `portico validate` print these).
   */
  problems: Problem[];
  /** What the translator decided about attachment and references (offline checks build on it). */
  decisions: Decisions;
}

/**
 * The translator's verdicts as plain data, in translation order: which listener took which route
 * parentRef (or why not), and whether each reference to another object resolved and through which
 * ReferenceGrant. Offline rules (tenancy) read these instead of re-deriving attachment or grants.
 */
export interface Decisions {
  /** One per route parentRef that names a Gateway or ListenerSet of this controller. */
  parents: ParentDecision[];
  /** One per reference (backendRefs, filter backends, certificateRefs, CA refs) of an object this controller judges. */
  references: ReferenceDecision[];
}

export interface ParentDecision {
  route: ObjectRef;
  /** "spec.parentRefs[i]" */
  field: string;
  /** The parentRef with defaults filled in (as in status.parents[].parentRef). */
  parentRef: ParentReference;
  /** "namespace/name" of the Gateway the listeners belong to. */
  gateway: string;
  /** The route's Accepted condition for this parent. */
  accepted: boolean;
  reason: string;
  message: string;
  /** Every listener the parentRef selects (by sectionName/port, or all), with its own verdict. */
  listeners: ListenerVerdict[];
}

export interface ListenerVerdict {
  /** The Gateway or ListenerSet that declares the listener. */
  owner: ObjectRef;
  /** The listener name (a parentRef's sectionName). */
  name: string;
  /** The listener hostname, lowercased; undefined = any. */
  hostname?: string;
  /** The listener takes the route (served under `hostnames`). */
  attached: boolean;
  /**
   * "Accepted", or why not: "NoMatchingParent" (the listener is not accepted), "NotAllowedByListeners"
   * (allowedRoutes kinds or namespaces), "NoMatchingListenerHostname".
   */
  reason: string;
  /** Effective hostnames of the route on this listener ("*" for kinds without hostnames). */
  hostnames: string[];
}

export interface ReferenceDecision {
  /** The referring object. */
  from: ObjectRef;
  /** Field of the reference in `from`, e.g. "spec.rules[0].backendRefs[1]". */
  field: string;
  /** The referenced object (namespace defaulted to the referrer's). */
  to: ObjectRef;
  /** Same namespace, or a ReferenceGrant allows it. */
  permitted: boolean;
  /** The ReferenceGrant ("namespace", "name") that permits a cross-namespace reference. */
  grant?: { namespace: string; name: string };
  /** The reference is usable (permitted, exists, right kind and content). */
  resolved: boolean;
  /** "ResolvedRefs", or the spec reason it is not (RefNotPermitted, BackendNotFound, InvalidKind, ...). */
  reason: string;
}

export type { Condition };
