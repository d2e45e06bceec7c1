// Condition types and reasons of Gateway API v1.6.1, and the one helper that builds a
// condition. Keeping the reasons here (not as string literals scattered through the
// translator) makes the checklist of spec reasons reviewable in one screen.
import type { Condition } from '../model/index.ts';

export const Reason = {
  // shared
  Accepted: 'Accepted',
  Programmed: 'Programmed',
  ResolvedRefs: 'ResolvedRefs',
  Invalid: 'Invalid',
  Pending: 'Pending',
  InvalidParameters: 'InvalidParameters',
  // Gateway
  ListenersNotValid: 'ListenersNotValid',
  UnsupportedAddress: 'UnsupportedAddress',
  AddressNotAssigned: 'AddressNotAssigned',
  AddressNotUsable: 'AddressNotUsable',
  InvalidClientCertificateRef: 'InvalidClientCertificateRef',
  ListenersNotResolved: 'ListenersNotResolved',
  // listeners
  HostnameConflict: 'HostnameConflict',
  ProtocolConflict: 'ProtocolConflict',
  NoConflicts: 'NoConflicts',
  UnsupportedProtocol: 'UnsupportedProtocol',
  UnsupportedValue: 'UnsupportedValue',
  InvalidCertificateRef: 'InvalidCertificateRef',
  InvalidRouteKinds: 'InvalidRouteKinds',
  RefNotPermitted: 'RefNotPermitted',
  NoValidCACertificate: 'NoValidCACertificate',
  InvalidCACertificateRef: 'InvalidCACertificateRef',
  InvalidCACertificateKind: 'InvalidCACertificateKind',
  // ListenerSet
  NotAllowed: 'NotAllowed',
  ParentNotAccepted: 'ParentNotAccepted',
  // routes
  NotAllowedByListeners: 'NotAllowedByListeners',
  NoMatchingListenerHostname: 'NoMatchingListenerHostname',
  NoMatchingParent: 'NoMatchingParent',
  UnsupportedValueRoute: 'UnsupportedValue',
  BackendNotFound: 'BackendNotFound',
  InvalidKind: 'InvalidKind',
  UnsupportedProtocolRoute: 'UnsupportedProtocol',
  PartiallyInvalid: 'PartiallyInvalid',
  // policies
  Conflicted: 'Conflicted',
  TargetNotFound: 'TargetNotFound',
} as const;

export interface ConditionInput {
  type: string;
  status: boolean;
  reason: string;
  message: string;
  /** What to change, when it is more specific than the reason's general fix (for Problems only). */
  fix?: string;
}

/**
 * Builds a condition. lastTransitionTime is kept from `previous` when the status did not
 * change (so a reconcile that changes nothing writes nothing new), otherwise it is `now`.
 */
export function condition(c: ConditionInput, generation: number, now: string, previous?: Condition[]): Condition {
  const status = c.status ? 'True' : 'False';
  const prev = previous?.find((p) => p.type === c.type);
  const lastTransitionTime = prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
  return { type: c.type, status, reason: c.reason, message: c.message, observedGeneration: generation, lastTransitionTime };
}

export function conditions(list: ConditionInput[], generation: number, now: string, previous?: Condition[]): Condition[] {
  return list.map((c) => condition(c, generation, now, previous));
}
