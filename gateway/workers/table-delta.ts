// What the control process ships to a data-plane worker for one new routing table: the table with
// every part the worker already holds replaced by a reference to it. A part is held when it is the
// very same object (===) as in the table last sent to that worker, at three levels: a port, a
// listener, a host bucket (HTTP host or TLS passthrough SNI). The translator keeps unchanged parts
// of the IR identical across translations (the incremental-translation contract), so a one-route
// change ships one host bucket, not the whole table; without that identity everything is shipped,
// which is always correct. Pure: no I/O; the control process encodes, each worker decodes.
import type { GatewayIR, ListenerIR, PortIR, RoutingTable } from '../ir/index.ts';
import type { HttpHostIR } from '../ir/http.ts';
import type { TlsPassthroughHostIR } from '../ir/l4.ts';

/** A part the worker already holds, found again by its key (see the *Key functions). */
export interface Kept {
  kept: string;
}

export interface TableDelta {
  /** 'full': nothing refers to an earlier table (the first table, or a worker that just started). */
  mode: 'full' | 'delta';
  /** GatewayIR, whose ports, listeners and host buckets may be Kept references. */
  gateways: unknown[];
}

type Bucket = HttpHostIR | TlsPassthroughHostIR;

export const portKey = (gateway: string, p: Pick<PortIR, 'port' | 'transport'>) => `${gateway}|${p.port}/${p.transport}`;
const listenerKey = (port: string, l: ListenerIR) => `${port}|${l.id}`;
const bucketKey = (listener: string, kind: 'http' | 'passthrough', b: Bucket) => `${listener}|${kind}|${b.hostname}`;

/** Every port, listener and host bucket of a table, by key (a key seen twice is left out: never referred to). */
function partsOf(table: RoutingTable | undefined): Map<string, object> {
  const map = new Map<string, object>();
  const twice = new Set<string>();
  const out = { set(k: string, v: object) { if (map.has(k) || twice.has(k)) { map.delete(k); twice.add(k); } else map.set(k, v); } };
  for (const gw of table?.gateways ?? []) {
    for (const p of gw.ports) {
      const pk = portKey(gw.key, p);
      out.set(pk, p);
      for (const l of p.listeners) {
        const lk = listenerKey(pk, l);
        out.set(lk, l);
        for (const b of l.http ?? []) out.set(bucketKey(lk, 'http', b), b);
        for (const b of l.passthrough ?? []) out.set(bucketKey(lk, 'passthrough', b), b);
      }
    }
  }
  return map;
}

/** The delta from `base` (what the worker holds; undefined: nothing) to `next`. */
export function encodeTable(base: RoutingTable | undefined, next: RoutingTable): TableDelta {
  if (base === undefined) return { mode: 'full', gateways: next.gateways };
  const held = partsOf(base);
  let kept = 0;
  const ref = <T extends object>(key: string, value: T): T | Kept => {
    if (held.get(key) !== value) return value;
    kept++;
    return { kept: key };
  };
  const buckets = (lk: string, kind: 'http' | 'passthrough', list: Bucket[] | undefined) => list?.map((b) => ref(bucketKey(lk, kind, b), b));
  const gateways = next.gateways.map((gw) => ({
    ...gw,
    ports: gw.ports.map((p) => {
      const pk = portKey(gw.key, p);
      if (held.get(pk) === p) return ref(pk, p);
      return {
        ...p,
        listeners: p.listeners.map((l) => {
          const lk = listenerKey(pk, l);
          if (held.get(lk) === l) return ref(lk, l);
          const out: Record<string, unknown> = { ...l };
          if (l.http !== undefined) out.http = buckets(lk, 'http', l.http);
          if (l.passthrough !== undefined) out.passthrough = buckets(lk, 'passthrough', l.passthrough);
          return out;
        }),
      };
    }),
  }));
  return kept === 0 ? { mode: 'full', gateways: next.gateways } : { mode: 'delta', gateways };
}

/**
 * The table a delta stands for, on the worker: kept parts are the worker's own objects from
 * `held`, so its data plane can tell unchanged parts by identity too. Throws when a delta refers
 * to a part the worker does not hold (the control process then sends the full table).
 */
export function decodeTable(held: RoutingTable | undefined, delta: TableDelta): RoutingTable {
  if (delta.mode === 'full') return { gateways: delta.gateways as GatewayIR[] };
  const parts = partsOf(held);
  const resolve = <T>(v: unknown): T => {
    if (v === null || typeof v !== 'object' || !('kept' in v)) return v as T;
    const found = parts.get((v as Kept).kept);
    if (found === undefined) throw new Error(`table delta refers to ${(v as Kept).kept}, which this worker does not hold`);
    return found as T;
  };
  return {
    gateways: (delta.gateways as GatewayIR[]).map((gw) => ({
      ...gw,
      ports: gw.ports.map((port) => {
        const p = resolve<PortIR>(port);
        if (p !== port) return p;
        return {
          ...p,
          listeners: p.listeners.map((listener) => {
            const l = resolve<ListenerIR>(listener);
            if (l !== listener) return l;
            const out: ListenerIR = { ...l };
            if (l.http !== undefined) out.http = l.http.map((b) => resolve<HttpHostIR>(b));
            if (l.passthrough !== undefined) out.passthrough = l.passthrough.map((b) => resolve<TlsPassthroughHostIR>(b));
            return out;
          }),
        };
      }),
    })),
  };
}
