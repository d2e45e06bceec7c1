// GatewayClasses, Gateways and ListenerSets: which of them are ours, accepted, and which
// listeners they contribute. Route attachment comes later and only sees the result.
import type { Gateway, GatewayClass, ListenerSet } from '../model/index.ts';
import type { ConditionInput } from './conditions.ts';
import { Reason } from './conditions.ts';
import type { Context } from './context.ts';
import { GATEWAY_GROUP, namespaceLabels, selectorMatches } from './context.ts';
import { resolveGatewayTls } from './gateway-tls.ts';
import { markConflicts } from './listener-conflicts.ts';
import { buildListener } from './listeners.ts';
import type { GatewayState, ListenerSetState } from './state.ts';
import { isListenerAccepted, isListenerProgrammed } from './state.ts';

const ok = (type: string, reason: string, message: string): ConditionInput => ({ type, status: true, reason, message });
const bad = (type: string, reason: string, message: string): ConditionInput => ({ type, status: false, reason, message });

export interface ClassState {
  obj: GatewayClass;
  accepted: ConditionInput;
}

/** Our GatewayClasses (by controllerName) with their Accepted condition. */
export function processGatewayClasses(ctx: Context): Map<string, ClassState> {
  const out = new Map<string, ClassState>();
  for (const gc of ctx.snapshot.gatewayClasses) {
    if (gc.spec?.controllerName !== ctx.controllerName) continue;
    const ref = gc.spec.parametersRef;
    const accepted = ref
      ? bad('Accepted', Reason.InvalidParameters, `parametersRef ${ref.group}/${ref.kind} ${ref.name}: Portico GatewayClasses take no parameters; remove spec.parametersRef`)
      : ok('Accepted', Reason.Accepted, 'GatewayClass is accepted by Portico');
    out.set(gc.metadata.name, { obj: gc, accepted });
  }
  return out;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:]+(%[\w.]+)?$/;

function isIp(value: string): boolean {
  return IPV4.test(value) || (value.includes(':') && IPV6.test(value));
}

/** Gateways of our accepted classes, with their own listeners validated. */
export function processGateways(ctx: Context, classes: Map<string, ClassState>, only?: string[]): GatewayState[] {
  const out: GatewayState[] = [];
  for (const gw of ctx.snapshot.gateways) {
    const cls = classes.get(gw.spec?.gatewayClassName ?? '');
    if (!cls) continue;
    const key = `${gw.metadata.namespace}/${gw.metadata.name}`;
    if (only && !only.includes(key)) continue;
    const state: GatewayState = {
      obj: gw, key, namespace: gw.metadata.namespace ?? 'default', name: gw.metadata.name,
      listeners: [], listenerSets: [], addresses: [],
      accepted: ok('Accepted', Reason.Accepted, 'Gateway is accepted'),
      programmed: ok('Programmed', Reason.Programmed, 'Gateway is programmed'),
    };
    if (!cls.accepted.status) {
      state.accepted = bad('Accepted', Reason.Invalid, `GatewayClass ${cls.obj.metadata.name} is not accepted: ${cls.accepted.message}`);
      state.programmed = bad('Programmed', Reason.Invalid, 'Gateway is not accepted');
    }
    checkInfrastructure(ctx, state, gw);
    resolveGatewayTls(ctx, state);
    checkAddresses(state, gw);
    (gw.spec?.listeners ?? []).forEach((l, i) => state.listeners.push(buildListener(ctx, state, undefined, l, `spec.listeners[${i}]`)));
    out.push(state);
  }
  return out;
}

function checkInfrastructure(ctx: Context, state: GatewayState, gw: Gateway): void {
  const infra = gw.spec?.infrastructure;
  if (!infra) return;
  const ref = infra.parametersRef;
  // The only parameters Portico reads are plain ConfigMaps; anything else cannot be honoured.
  const cm = ref && ref.group === '' && ref.kind === 'ConfigMap' ? ctx.configMaps.get(`${state.namespace}/${ref.name}`) : undefined;
  // Labels and annotations travel in the IR to whatever deploys the serving resources.
  state.infrastructure = {
    labels: { ...(infra.labels ?? {}) },
    annotations: { ...(infra.annotations ?? {}) },
    ...(cm ? { parameters: { ...(cm.data ?? {}) } } : {}),
  };
  if (!ref) return;
  const found = cm !== undefined;
  if (!found) {
    state.accepted = bad('Accepted', Reason.InvalidParameters,
      `spec.infrastructure.parametersRef ${ref.group ? ref.group + '/' : ''}${ref.kind} ${ref.name} does not exist or is not supported; reference a ConfigMap in ${state.namespace} or remove it`);
    state.programmed = bad('Programmed', Reason.Invalid, 'Gateway is not accepted');
  }
}

function checkAddresses(state: GatewayState, gw: Gateway): void {
  for (const [i, a] of (gw.spec?.addresses ?? []).entries()) {
    const type = a.type ?? 'IPAddress';
    if (type !== 'IPAddress') {
      state.accepted = bad('Accepted', Reason.UnsupportedAddress, `spec.addresses[${i}]: address type "${type}" is not supported; use IPAddress`);
      state.programmed = bad('Programmed', Reason.AddressNotAssigned, 'Gateway is not accepted');
      return;
    }
    if (a.value === undefined || a.value === '') continue; // "assign me one" (GatewayAddressEmpty)
    if (!isIp(a.value)) {
      state.accepted = bad('Accepted', Reason.UnsupportedAddress, `spec.addresses[${i}]: "${a.value}" is not an IP address`);
      state.programmed = bad('Programmed', Reason.AddressNotAssigned, 'Gateway is not accepted');
      return;
    }
    state.addresses.push(a.value);
  }
}

/** Attaches ListenerSets to their parent Gateways where the Gateway allows them. */
export function processListenerSets(ctx: Context, gateways: GatewayState[]): ListenerSetState[] {
  const byKey = new Map(gateways.map((g) => [g.key, g]));
  const out: ListenerSetState[] = [];
  for (const ls of ctx.snapshot.listenerSets) {
    const p = ls.spec?.parentRef;
    if (!p || (p.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (p.kind ?? 'Gateway') !== 'Gateway') continue;
    const gw = byKey.get(`${p.namespace ?? ls.metadata.namespace}/${p.name}`);
    if (!gw) continue; // not ours (or not there): another controller may own it
    const state: ListenerSetState = {
      obj: ls, gateway: gw, allowed: listenerSetAllowed(ctx, gw, ls), listeners: [],
      accepted: ok('Accepted', Reason.Accepted, 'ListenerSet is accepted'),
      programmed: ok('Programmed', Reason.Programmed, 'ListenerSet is programmed'),
    };
    if (!state.allowed) {
      const msg = `Gateway ${gw.key} does not allow ListenerSets from namespace ${ls.metadata.namespace}; the platform must set spec.allowedListeners on the Gateway`;
      state.accepted = bad('Accepted', Reason.NotAllowed, msg);
      state.programmed = bad('Programmed', Reason.NotAllowed, msg);
    } else if (!gw.accepted.status) {
      state.accepted = bad('Accepted', Reason.ParentNotAccepted, `parent Gateway ${gw.key} is not accepted`);
      state.programmed = bad('Programmed', Reason.ParentNotAccepted, `parent Gateway ${gw.key} is not accepted`);
    }
    (ls.spec?.listeners ?? []).forEach((l, i) => state.listeners.push(buildListener(ctx, gw, state, l, `spec.listeners[${i}]`)));
    if (state.allowed) gw.listenerSets.push(state);
    out.push(state);
  }
  return out;
}

function listenerSetAllowed(ctx: Context, gw: GatewayState, ls: ListenerSet): boolean {
  const from = gw.obj.spec?.allowedListeners?.namespaces?.from ?? 'None';
  const ns = ls.metadata.namespace ?? 'default';
  switch (from) {
    case 'All': return true;
    case 'Same': return ns === gw.namespace;
    case 'Selector': return selectorMatches(gw.obj.spec?.allowedListeners?.namespaces?.selector, namespaceLabels(ctx, ns));
    default: return false;
  }
}

/** Conflicts across the Gateway and its ListenerSets, then the owners' summary conditions. */
export function settleListeners(gateways: GatewayState[]): void {
  for (const gw of gateways) {
    markConflicts([gw.listeners, ...gw.listenerSets.map((s) => s.listeners)]);
    const invalid = gw.listeners.filter((l) => !isListenerAccepted(l));
    if (gw.accepted.status && invalid.length > 0) {
      const names = invalid.map((l) => l.spec.name).join(', ');
      const all = invalid.length === gw.listeners.length;
      gw.accepted = { type: 'Accepted', status: !all, reason: Reason.ListenersNotValid,
        message: all ? `no listener is valid (${names})` : `listeners not valid: ${names}; the others are accepted` };
      if (all) gw.programmed = bad('Programmed', Reason.Invalid, 'Gateway has no valid listener');
    }
    for (const ls of gw.listenerSets) {
      if (!ls.accepted.status) continue;
      // A ListenerSet is only useful through its listeners: when none can be programmed (even
      // for unresolved references alone) the whole set is not valid.
      const bads = ls.listeners.filter((l) => !isListenerProgrammed(l));
      if (bads.length > 0 && bads.length === ls.listeners.length) {
        const msg = `no listener of the ListenerSet is valid: ${bads.map((l) => `${l.spec.name} (${isListenerAccepted(l) ? l.resolvedRefs.reason : l.accepted.reason})`).join(', ')}`;
        ls.accepted = bad('Accepted', Reason.ListenersNotValid, msg);
        ls.programmed = bad('Programmed', Reason.ListenersNotValid, msg);
      }
    }
  }
}
