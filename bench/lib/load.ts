// Load generators: wrk for HTTP/1.1 (and TLS), h2load for HTTP/2 and gRPC. Their text output is
// parsed into numbers; a run that produced none throws, so a broken target never reads as slow.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LoadResult {
  requests: number;
  rps: number;
  /** Latency percentiles in milliseconds, where the tool reports them. */
  p50?: number; p99?: number; p999?: number;
  /** Responses that were not 2xx/3xx, plus socket errors. */
  errors: number;
  pid?: number;
}

function run(cmd: string, args: string[], onSpawn?: (pid: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid) onSpawn?.(child.pid);
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('exit', () => resolve(out));
  });
}

const ms = (v: string, unit: string) => Number(v) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 1);

export interface WrkOptions { connections: number; seconds: number; threads?: number; headers?: Record<string, string>; scriptDir?: string; onSpawn?: (pid: number) => void }

export async function wrk(url: string, o: WrkOptions): Promise<LoadResult> {
  const args = ['-t', String(o.threads ?? 1), '-c', String(o.connections), '-d', `${o.seconds}s`, '--latency', '--timeout', '5s'];
  // wrk replaces its own Host only when given "Host" spelled so; any other spelling makes a
  // second Host field, which a gateway rightly answers 400 (request smuggling).
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k.toLowerCase() === 'host' ? 'Host' : k}: ${v}`);
  const out = await run('wrk', [...args, url], o.onSpawn);
  const total = /(\d+) requests in/.exec(out);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!total || !rps) throw new Error(`wrk ${url}: no result\n${out}`);
  const pct = (p: string) => { const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s|m)`).exec(out); return m ? ms(m[1]!, m[2]!) : undefined; };
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const sockErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return { requests: Number(total[1]), rps: Number(rps[1]), p50: pct('50'), p99: pct('99'), errors: non2xx + sockErrors };
}

export interface H2loadOptions { clients: number; streams: number; seconds: number; headers?: Record<string, string>; dataFile?: string; h1?: boolean; onSpawn?: (pid: number) => void }

export async function h2load(url: string, o: H2loadOptions): Promise<LoadResult> {
  const args = ['-c', String(o.clients), '-m', String(o.streams), '-D', String(o.seconds), '-t', '1'];
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k}: ${v}`);
  if (o.dataFile) args.push('-d', o.dataFile);
  if (o.h1) args.push('--h1');
  const out = await run('h2load', [...args, url], o.onSpawn);
  const m = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(out);
  const st = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(out);
  const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  if (!m || !st) throw new Error(`h2load ${url}: no result\n${out}`);
  const done = Number(st[3]);
  const errors = Number(st[5]) + Number(st[6]) + (codes ? Number(codes[3]) + Number(codes[4]) : 0);
  if (done === 0) throw new Error(`h2load ${url}: no request completed\n${out}`);
  return { requests: done, rps: Number(m[1]), errors };
}

/** A gRPC request body for h2load: one length-prefixed protobuf message (an empty one). */
export function grpcBodyFile(dir: string): string {
  const path = join(dir, 'grpc-empty.bin');
  writeFileSync(path, Buffer.from([0, 0, 0, 0, 0]));
  return path;
}
