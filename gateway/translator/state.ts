// Working state the translation steps hand to each other. Never leaves the translator.
import type { CertificateIR, InfrastructureIR, ListenerIR } from '../ir/index.ts';
import type { Gateway, Listener, ListenerSet, RouteGroupKind } from '../model/index.ts';
import type { ConditionInput } from './conditions.ts';

export interface ListenerState {
  gateway: GatewayState;
  /** The ListenerSet that declared this listener, or undefined for the Gateway's own. */
  listenerSet?: ListenerSetState;
  spec: Listener;
  /** Field path of the listener within its owner, for problems: "spec.listeners[2]". */
  field: string;
  supportedKinds: Required<RouteGroupKind>[];
  /** Problems that make the listener not Accepted (conflicts, unsupported values). */
  accepted: ConditionInput;
  resolvedRefs: ConditionInput;
  /**
   * ResolvedRefs is False only because a certificate Secret's newest version is unusable: the
   * listener keeps serving that Secret's last good version (last known good), so it stays
   * programmed.
   */
  servingLastGood?: boolean;
  /** Served anyway, but worth a warning (a certificate outside its validity window). */
  warnings?: string[];
  conflicted?: ConditionInput;
  /** OverlappingTLSConfig=True (tls-overlap.ts); never set when False (negative polarity). */
  overlappingTls?: ConditionInput;
  attachedRoutes: number;
  /** Namespace whose "Same" applies (the owner's namespace). */
  namespace: string;
  /** The IR listener (routes are added during attachment); undefined when not programmable. */
  ir: ListenerIR;
}

export interface ListenerSetState {
  obj: ListenerSet;
  gateway: GatewayState;
  allowed: boolean;
  listeners: ListenerState[];
  accepted: ConditionInput;
  programmed: ConditionInput;
}

export interface GatewayState {
  obj: Gateway;
  key: string;
  namespace: string;
  name: string;
  listeners: ListenerState[];
  listenerSets: ListenerSetState[];
  accepted: ConditionInput;
  programmed: ConditionInput;
  /** Requested IP addresses (spec.addresses of type IPAddress). */
  addresses: string[];
  /** spec.infrastructure as the IR carries it; undefined when the Gateway sets none. */
  infrastructure?: InfrastructureIR;
  /** Gateway-level ResolvedRefs (spec.tls.backend), when spec.tls.backend is set. */
  resolvedRefs?: ConditionInput;
  /** The client certificate presented to TLS backends (spec.tls.backend.clientCertificateRef). */
  backendClientCertificate?: CertificateIR;
  /** InsecureFrontendValidationMode=True when a frontend validation mode is AllowInsecureFallback. */
  insecureFrontend?: ConditionInput;
}

export function isListenerAccepted(l: ListenerState): boolean {
  return l.accepted.status && !l.conflicted?.status;
}

export function isListenerProgrammed(l: ListenerState): boolean {
  return isListenerAccepted(l) && (l.resolvedRefs.status || l.servingLastGood === true);
}
