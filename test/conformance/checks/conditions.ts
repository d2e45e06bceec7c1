// Status assertions (FORMAT.md "conditions"), evaluated against the gateway's /status list and the
// live objects the runner wrote (their generation is what observedGeneration must catch up to).
import type { ConditionSpec, ParentRefSpec } from '../case-types.ts';
import type { StatusObject } from '../gateway-process.ts';
import { expandValue, type TypedAddress } from '../placeholders.ts';
import type { Obj } from '../store.ts';

const GROUP = 'gateway.networking.k8s.io';

export interface ConditionEnv {
  status: StatusObject[];
  live: (kind: string, namespace: string | undefined, name: string) => Obj | undefined;
  controllerName: string;
  gatewayClassName: string;
  addresses: { usable: TypedAddress[]; unusable: TypedAddress[] };
  /** Generations from the /status read just before the current step's mutation. */
  before?: Map<string, number | undefined>;
  /** Consecutive observations per condition index (noAcceptedParents wants an empty list twice). */
  seen: Map<number, number>;
}

interface Cond { type: string; status: string; reason?: string; observedGeneration?: number }

export function statusKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${kind === 'GatewayClass' ? '' : namespace ?? ''}/${name}`;
}

function findStatus(env: ConditionEnv, c: ConditionSpec): StatusObject | undefined {
  const name = c.name.replaceAll('{GATEWAY_CLASS_NAME}', env.gatewayClassName);
  return env.status.find((o) => o.kind === c.kind && o.metadata.name === name && (c.kind === 'GatewayClass' || (o.metadata.namespace ?? '') === (c.namespace ?? '')));
}

function checkCondition(conds: Cond[] | undefined, c: ConditionSpec, where: string): string | undefined {
  const found = (conds ?? []).find((x) => x.type === c.type);
  if (!found) return `${where}: no ${c.type} condition (have ${(conds ?? []).map((x) => `${x.type}=${x.status}/${x.reason}`).join(', ') || 'none'})`;
  if (c.status !== undefined && found.status !== c.status) return `${where}: ${c.type} is ${found.status}/${found.reason}, want ${c.status}${c.reason ? '/' + c.reason : ''}`;
  if (c.reason !== undefined && found.reason !== c.reason) return `${where}: ${c.type} reason is ${found.reason}, want ${c.reason}`;
  return undefined;
}

/** Does a reported parentRef designate the expected parent? */
export function parentMatches(reported: any, want: ParentRefSpec, routeNamespace: string | undefined, strict: boolean, namespaceRequired: boolean): boolean {
  if (!reported || reported.name !== want.name) return false;
  if (strict) {
    // upstream parentsForRouteMatch compares the group/kind pointers as written.
    if ((reported.group ?? null) !== (want.group ?? null)) return false;
    if ((reported.kind ?? null) !== (want.kind ?? null)) return false;
    if ((reported.namespace ?? null) !== (want.namespace ?? null) && (namespaceRequired || reported.namespace !== undefined)) return false;
    return true;
  }
  if ((reported.group ?? GROUP) !== (want.group ?? GROUP)) return false;
  if ((reported.kind ?? 'Gateway') !== (want.kind ?? 'Gateway')) return false;
  if ((reported.namespace ?? routeNamespace) !== (want.namespace ?? routeNamespace)) return false;
  if (want.sectionName !== undefined && reported.sectionName !== want.sectionName) return false;
  if (want.port !== undefined && reported.port !== want.port) return false;
  return true;
}

function allConditions(st: any, kind: string): Cond[] {
  if (kind === 'BackendTLSPolicy' || st?.ancestors) return (st?.ancestors ?? []).flatMap((a: any) => a.conditions ?? []);
  if (st?.parents) return (st.parents ?? []).flatMap((p: any) => p.conditions ?? []);
  return st?.conditions ?? [];
}

/** One condition: undefined when it holds, else why not. */
export function checkOne(env: ConditionEnv, c: ConditionSpec, index: number): string | undefined {
  const where = `${c.kind} ${c.namespace ? c.namespace + '/' : ''}${c.name}`;
  const obj = findStatus(env, c);
  if (!obj) {
    if (c.absent) return undefined;
    // A route with no parents at all may be left out of /status: that is "no accepted parents" too.
    if (c.noAcceptedParents && c.kind !== 'Gateway') {
      env.seen.set(index, (env.seen.get(index) ?? 0) + 1);
      return env.seen.get(index)! >= 2 ? undefined : `${where}: not in /status yet`;
    }
    return `${where}: not in /status`;
  }
  const st = obj.status ?? {};
  const live = env.live(c.kind, c.namespace, c.name.replaceAll('{GATEWAY_CLASS_NAME}', env.gatewayClassName));
  const generation = Number(live?.metadata.generation ?? obj.metadata.generation);

  if (c.generationChanged) {
    const before = env.before?.get(statusKey(c.kind, c.namespace, obj.metadata.name));
    if (before === undefined || before === obj.metadata.generation) return `${where}: generation did not change (${before} → ${obj.metadata.generation})`;
  }
  if (c.latestObservedGeneration) {
    const conds = c.kind === 'Gateway' || c.kind === 'GatewayClass' || c.kind === 'ListenerSet' ? st.conditions ?? [] : allConditions(st, c.kind);
    if (conds.length === 0) return `${where}: no conditions yet`;
    const stale = conds.filter((x: Cond) => x.observedGeneration !== generation);
    if (stale.length > 0) return `${where}: ${stale.map((x: Cond) => `${x.type}.observedGeneration=${x.observedGeneration}`).join(', ')}, want ${generation}`;
  }
  if (c.hasAddress) {
    // upstream WaitForGatewayAddress: a typed address, and every Gateway condition up to date.
    const a = (st.addresses ?? []) as { type?: string; value?: string }[];
    if (!a.some((x) => x.value && x.type)) return `${where}: no typed entry in status.addresses (${JSON.stringify(a)})`;
    const stale = ((st.conditions ?? []) as Cond[]).filter((x) => x.observedGeneration !== generation);
    if (stale.length > 0) return `${where}: conditions not at generation ${generation}: ${stale.map((x) => x.type).join(', ')}`;
  }
  if (c.statusAddresses) {
    const want = c.statusAddresses.flatMap((v) => expandValue(v, env.addresses) ?? [{ type: 'IPAddress', value: v }]);
    const got = (st.addresses ?? []) as { type?: string; value: string }[];
    const specAddrs = ((live?.spec as any)?.addresses ?? []) as { type?: string; value: string }[];
    if (got.length !== want.length || want.some((w) => !got.some((g) => g.value === w.value))) return `${where}: status.addresses ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
    for (const g of got) {
      const s = specAddrs.find((x) => x.value === g.value);
      if (s && (s.type ?? 'IPAddress') !== (g.type ?? 'IPAddress')) return `${where}: address ${g.value} has type ${g.type}, spec says ${s.type}`;
    }
  }
  if (c.listenerCount !== undefined && (st.listeners ?? []).length !== c.listenerCount) return `${where}: ${(st.listeners ?? []).length} listeners in status, want ${c.listenerCount}`;
  if (c.attachedListenerSets !== undefined && st.attachedListenerSets !== c.attachedListenerSets) return `${where}: attachedListenerSets ${st.attachedListenerSets}, want ${c.attachedListenerSets}`;
  if (c.zeroRoutes) {
    const nonZero = (st.listeners ?? []).filter((l: any) => l.attachedRoutes !== 0);
    if (nonZero.length > 0) return `${where}: listeners with routes: ${nonZero.map((l: any) => `${l.name}=${l.attachedRoutes}`).join(', ')}`;
  }

  if (c.listener !== undefined) {
    const l = (st.listeners ?? []).find((x: any) => x.name === c.listener);
    if (!l) return `${where}: no listener ${c.listener} in status`;
    const lw = `${where} listener ${c.listener}`;
    if (c.attachedRoutes !== undefined && l.attachedRoutes !== c.attachedRoutes) return `${lw}: attachedRoutes ${l.attachedRoutes}, want ${c.attachedRoutes}`;
    if (c.supportedKinds) {
      const got = (l.supportedKinds ?? []) as { group?: string; kind: string }[];
      if (c.supportedKinds.length === 0 && got.length > 0) return `${lw}: supportedKinds ${JSON.stringify(got)}, want none`;
      for (const k of c.supportedKinds) {
        if (!got.some((g) => g.kind === k.kind && (g.group ?? GROUP) === (k.group ?? GROUP))) return `${lw}: supportedKinds ${JSON.stringify(got)} lacks ${k.kind}`;
      }
    }
    if (c.type) return checkCondition(l.conditions, c, lw);
    return undefined;
  }

  if (c.noAcceptedParents) {
    const parents = ((st.parents ?? []) as any[]).filter((p) => !p.controllerName || p.controllerName === env.controllerName);
    const ok = parents.length === 0
      ? (env.seen.set(index, (env.seen.get(index) ?? 0) + 1), env.seen.get(index)! >= 2)
      : parents.length === 1 && (parents[0].conditions ?? []).some((x: Cond) => x.type === 'Accepted' && x.status === 'False');
    if (parents.length > 0) env.seen.set(index, 0);
    return ok ? undefined : `${where}: parents ${JSON.stringify(parents.map((p) => ({ ref: p.parentRef, conditions: (p.conditions ?? []).map((x: Cond) => `${x.type}=${x.status}`) })))} (want none accepted)`;
  }

  if (c.parent) {
    const parents = ((st.parents ?? []) as any[]).filter((p) => !p.controllerName || p.controllerName === env.controllerName);
    const p = parents.find((x) => parentMatches(x.parentRef, c.parent!, c.namespace, !!c.strictParentRef, !!c.namespaceRequired));
    if (c.absent) return p ? `${where}: lists parent ${JSON.stringify(c.parent)} but must not` : undefined;
    if (!p) return `${where}: no status.parents entry for ${JSON.stringify(c.parent)} (have ${JSON.stringify(parents.map((x) => x.parentRef))})`;
    if (c.latestObservedGeneration) {
      const stale = (p.conditions ?? []).filter((x: Cond) => x.observedGeneration !== generation);
      if (stale.length > 0) return `${where}: stale parent conditions (${stale.map((x: Cond) => x.type).join(', ')}), want generation ${generation}`;
    }
    if (c.type) return checkCondition(p.conditions, c, `${where} parent ${c.parent.name}`);
    return undefined;
  }

  if (c.ancestor) {
    const ancestors = ((st.ancestors ?? []) as any[]).filter((a) => !a.controllerName || a.controllerName === env.controllerName);
    const a = ancestors.find((x) => parentMatches(x.ancestorRef, c.ancestor!, c.namespace, false, false));
    if (c.absent) return a ? `${where}: lists ancestor ${c.ancestor.name} but must not` : undefined;
    if (!a) return `${where}: no status.ancestors entry for ${JSON.stringify(c.ancestor)}`;
    if (c.type) return checkCondition(a.conditions, c, `${where} ancestor ${c.ancestor.name}`);
    return undefined;
  }

  if (c.absent) return `${where}: present but must be absent`;
  if (c.type) return checkCondition(st.conditions, c, where);
  return undefined;
}

/** All conditions; the first failure wins (so the reason names the one to look at). */
export function checkAll(env: ConditionEnv, conds: ConditionSpec[]): string | undefined {
  for (let i = 0; i < conds.length; i++) {
    const r = checkOne(env, conds[i], i);
    if (r) return r;
  }
  return undefined;
}
