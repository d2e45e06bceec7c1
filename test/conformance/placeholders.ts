// Upstream's Applier rewrites objects before applying them (conformance/utils/kubernetes/apply.go);
// the gateway must see exactly what it would see in a cluster under test.

export interface TypedAddress { type: string; value: string }

export interface PrepareOptions {
  gatewayClassName: string;
  controllerName: string;
  usable: TypedAddress[];
  unusable: TypedAddress[];
}

export const USABLE_PLACEHOLDER = 'PLACEHOLDER_USABLE_ADDRS';
export const UNUSABLE_PLACEHOLDER = 'PLACEHOLDER_UNUSABLE_ADDRS';

/**
 * Upstream's quirk: placeholder entries are removed, the other entries kept in order, then the
 * unusable addresses appended, then the usable ones (whatever order the placeholders had).
 */
export function expandAddresses(addresses: { type?: string; value: string }[], o: Pick<PrepareOptions, 'usable' | 'unusable'>): { type?: string; value: string }[] {
  let usable = false;
  let unusable = false;
  const out: { type?: string; value: string }[] = [];
  for (const a of addresses) {
    if (a.value === USABLE_PLACEHOLDER) usable = true;
    else if (a.value === UNUSABLE_PLACEHOLDER) unusable = true;
    else out.push(a);
  }
  if (unusable) out.push(...o.unusable.map((a) => ({ ...a })));
  if (usable) out.push(...o.usable.map((a) => ({ ...a })));
  return out;
}

/** Expands a placeholder string (used by statusAddresses checks) to the address values it stands for. */
export function expandValue(value: string, o: Pick<PrepareOptions, 'usable' | 'unusable'>): TypedAddress[] | undefined {
  if (value === USABLE_PLACEHOLDER) return o.usable;
  if (value === UNUSABLE_PLACEHOLDER) return o.unusable;
  return undefined;
}

/** Replaces `{GATEWAY_CLASS_NAME}` anywhere in string values. */
function replaceTemplates(v: unknown, className: string): unknown {
  if (typeof v === 'string') return v.replaceAll('{GATEWAY_CLASS_NAME}', className);
  if (Array.isArray(v)) return v.map((x) => replaceTemplates(x, className));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = replaceTemplates(x, className);
    return out;
  }
  return v;
}

export function prepareObject<T extends { kind: string; spec?: any }>(obj: T, o: PrepareOptions): T {
  const out = replaceTemplates(structuredClone(obj), o.gatewayClassName) as T;
  if (out.kind === 'Gateway') {
    out.spec = out.spec ?? {};
    out.spec.gatewayClassName = o.gatewayClassName;
    if (Array.isArray(out.spec.addresses)) out.spec.addresses = expandAddresses(out.spec.addresses, o);
  } else if (out.kind === 'GatewayClass') {
    out.spec = out.spec ?? {};
    out.spec.controllerName = o.controllerName;
  }
  return out;
}
