// The translator's public shapes. translate() is pure: (Snapshot, options) → TranslateResult.
import type { RoutingTable } from '../ir/index.ts';
import type { Condition } from '../model/index.ts';

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
}

export type { Condition };
