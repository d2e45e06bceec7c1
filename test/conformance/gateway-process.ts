// The gateway under test, as a child process (`portico serve`) with its admin endpoint.
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { resolve } from 'node:path';

export interface StatusObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number };
  status: any;
}

export interface GatewayProcessOptions {
  manifestsDir: string;
  controllerName: string;
  portOffset: number;
  addressPool: string;
  adminPort: number;
}

const ROOT = resolve(import.meta.dirname, '../..');

/** A port the OS considers free right now (for the admin endpoint). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => res(port));
    });
  });
}

function get(port: number, path: string, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const r = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (resp) => {
      const chunks: Buffer[] = [];
      resp.on('data', (d: Buffer) => chunks.push(d));
      resp.on('end', () => res({ status: resp.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      resp.on('error', rej);
    });
    r.on('timeout', () => r.destroy(new Error('admin timeout')));
    r.on('error', rej);
  });
}

// Gateways still running when the runner exits (a watchdog fired, Ctrl-C) must not be orphaned.
const live = new Set<ChildProcess>();
process.on('exit', () => { for (const c of live) c.kill('SIGKILL'); });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));

export class GatewayProcess {
  private child?: ChildProcess;
  private output: string[] = [];
  private exited?: string;

  constructor(readonly opts: GatewayProcessOptions) {}

  start(): void {
    const o = this.opts;
    // The compiled CLI (`npm run conformance` builds it first): conformance judges what users run.
    const args = [resolve(ROOT, 'build/bin/portico.js'), 'serve', '--manifests', o.manifestsDir,
      '--controller-name', o.controllerName, '--port-offset', String(o.portOffset), '--address-pool', o.addressPool,
      '--admin', `127.0.0.1:${o.adminPort}`, '--access-log', 'off', '--poll-ms', '200'];
    this.child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
    const keep = (d: Buffer) => {
      this.output.push(d.toString('utf8'));
      if (this.output.length > 200) this.output.splice(0, this.output.length - 200);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    live.add(this.child);
    this.child.on('exit', (code, sig) => { this.exited = `gateway exited (code ${code}, signal ${sig})`; live.delete(this.child!); });
  }

  /** Last lines the gateway printed (for failure reasons). */
  tail(n = 15): string {
    return this.output.join('').split('\n').filter(Boolean).slice(-n).join('\n');
  }

  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`${this.exited}: ${this.tail(5)}`);
      try {
        const r = await get(this.opts.adminPort, '/readyz');
        if (r.status === 200) return;
        last = `readyz ${r.status}`;
      } catch (e) { last = (e as Error).message; }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`gateway not ready after ${timeoutMs} ms (${last}): ${this.tail(5)}`);
  }

  async status(): Promise<StatusObject[]> {
    if (this.exited) throw new Error(`${this.exited}: ${this.tail(5)}`);
    const r = await get(this.opts.adminPort, '/status');
    if (r.status !== 200) throw new Error(`/status answered ${r.status}`);
    return (JSON.parse(r.body) as { items: StatusObject[] }).items ?? [];
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || this.exited) return;
    // Wait for the real exit (after SIGKILL too): the next case may reuse the same ports.
    await new Promise<void>((res) => {
      const t = setTimeout(() => c.kill('SIGKILL'), 3000);
      c.once('exit', () => { clearTimeout(t); res(); });
      c.kill('SIGTERM');
    });
  }
}
