// What the differential tests share: reading conditions out of status, and loopback port probes.
import { connect, createServer as createTcpServer } from 'node:net';
import type { ResourceStatus } from '../../gateway/translator/api.ts';
import { rng } from './generate.ts';

export type Conditions = Record<string, { status: string; reason: string }>;
export const byType = (list: any[] | undefined): Conditions => Object.fromEntries((list ?? []).map((c) => [c.type, { status: c.status, reason: c.reason }]));

export function statusOf(statuses: ResourceStatus[], kind: string, namespace: string | undefined, name: string): any {
  return statuses.find((s) => s.ref.kind === kind && s.ref.name === name && (s.ref.namespace ?? undefined) === namespace)?.status;
}

export function canBind(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createTcpServer();
    s.once('error', () => done(false));
    s.listen({ host: '127.0.0.1', port }, () => s.close(() => done(true)));
  });
}

/** A port offset under which every listener port of the sets is free on 127.0.0.1 (bounded tries). */
export async function freeOffset(ports: number[]): Promise<number> {
  const r = rng(Date.now() >>> 0);
  for (let i = 0; i < 40; i++) {
    const offset = 20000 + Math.floor(r() * 30000);
    const free = await Promise.all(ports.map((p) => canBind(p + offset)));
    if (free.every(Boolean)) return offset;
  }
  throw new Error('no free port range on 127.0.0.1');
}

export function isOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); done(true); });
    s.once('error', () => done(false));
  });
}
