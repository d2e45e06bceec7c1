// The set of bound sockets, diffed on every apply: new (gateway, address, port) keys are bound,
// kept keys get the new compiled table in place, removed keys stop accepting and drain.
import type { BoundSocket, ApplyResult } from '../api.ts';
import type { DataplaneObserver } from '../observer.ts';
import { BoundPort } from './bound-port.ts';
import type { CompiledPort } from './compile.ts';

export interface WantedSocket {
  gateway: string;
  address: string;
  port: number;
  compiled: CompiledPort;
}

interface Entry {
  key: string;
  want: WantedSocket;
  bound: BoundPort;
}

export class ListenerManager {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly portOffset: number, private readonly observer: DataplaneObserver | undefined) {}

  async apply(wanted: WantedSocket[]): Promise<ApplyResult> {
    const result: ApplyResult = { listening: [], errors: [] };
    const keep = new Set<string>();
    const toOpen: WantedSocket[] = [];
    for (const w of wanted) {
      const key = `${w.gateway}|${w.address}|${w.port}`;
      if (keep.has(key)) continue;
      keep.add(key);
      const e = this.entries.get(key);
      if (e !== undefined && e.bound.kind === w.compiled.scheme) {
        e.bound.update(w.compiled);
        e.want = w;
      } else {
        if (e !== undefined) {
          // HTTP ↔ HTTPS on the same port needs another kind of server: rebind.
          this.entries.delete(key);
          await closeAndRelease(e.bound, 0);
        }
        toOpen.push(w);
      }
    }
    for (const [key, e] of this.entries) {
      if (keep.has(key)) continue;
      this.entries.delete(key);
      void e.bound.close();
    }
    await Promise.all(toOpen.map(async (w) => {
      const key = `${w.gateway}|${w.address}|${w.port}`;
      const bound = new BoundPort(w.compiled, this.observer);
      try {
        await bound.listen(w.address, w.port + this.portOffset);
        this.entries.set(key, { key, want: w, bound });
      } catch (err) {
        void bound.close(0);
        result.errors.push({ gateway: w.gateway, address: w.address, port: w.port, message: (err as Error).message });
      }
    }));
    for (const e of this.entries.values()) result.listening.push(describe(e));
    result.listening.sort((a, b) => a.gateway.localeCompare(b.gateway) || a.address.localeCompare(b.address) || a.port - b.port);
    return result;
  }

  async close(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.bound.close(2_000)));
  }
}

function describe(e: Entry): BoundSocket {
  return { gateway: e.want.gateway, address: e.want.address, port: e.want.port, boundPort: e.bound.boundPort, transport: 'tcp' };
}

async function closeAndRelease(b: BoundPort, drainMs: number): Promise<void> {
  void b.close(drainMs);
  // Let libuv release the listening handle before the port is bound again.
  await new Promise((r) => setImmediate(r));
}
