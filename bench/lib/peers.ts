// The processes a benchmark run starts: the origin (nginx serving fixed bodies, so the backend is
// never the bottleneck), a gRPC origin (grpc-js), and the proxies compared: nginx, a minimal
// node:http proxy, @fastify/http-proxy and Portico. Every one is a child process on loopback with
// its own pid, so its CPU time and memory are measured alone.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
const TSX = import.meta.resolve('tsx');

export interface Peer {
  name: string;
  pid: number;
  close(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen({ host: '127.0.0.1', port: 0 }, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

async function waitPort(port: number, what: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); r(true); });
      s.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`${what} did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function start(name: string, cmd: string, args: string[], log: string[]): { child: ChildProcess; peer: Omit<Peer, 'pid'> & { pid: number } } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  child.stdout!.on('data', (d) => { log.push(String(d)); if (log.length > 50) log.shift(); });
  child.stderr!.on('data', (d) => { log.push(String(d)); if (log.length > 50) log.shift(); });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    peer: {
      name, pid: child.pid!,
      async close() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 3000);
          await exited;
          clearTimeout(t);
        }
      },
    },
  };
}

function nginxCommon(dir: string, workers: number): string {
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  return `user root;
worker_processes ${workers};
worker_rlimit_nofile 65536;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 20000; multi_accept on; }
`;
}
const nginxHttpCommon = (dir: string) => `access_log off;
  keepalive_requests 10000000;
  client_body_temp_path ${dir}/tmp/body; proxy_temp_path ${dir}/tmp/proxy; fastcgi_temp_path ${dir}/tmp/fcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi; scgi_temp_path ${dir}/tmp/scgi;
`;

export const SMALL_BODY = '0123456789abcde\n'; // 16 bytes

/** The HTTP origin: 16 bytes on every path, 1 MiB on /1m. One nginx worker. */
export async function startOrigin(dir: string, log: string[]): Promise<Peer & { port: number }> {
  const port = await freePort();
  const d = join(dir, 'origin');
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, '1m.bin'), Buffer.alloc(1024 * 1024, 97));
  const conf = join(d, 'nginx.conf');
  writeFileSync(conf, `${nginxCommon(d, 1)}http {
  ${nginxHttpCommon(d)}
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location = /1m { default_type application/octet-stream; alias ${join(d, '1m.bin')}; }
    location / { default_type text/plain; return 200 "${SMALL_BODY.replace('\n', '\\n')}"; }
  }
}
`);
  const { child, peer } = start('origin (nginx)', 'nginx', ['-c', conf, '-e', join(d, 'error.log')], log);
  await waitPort(port, 'origin nginx', child);
  return { ...peer, port };
}

/** A gRPC origin (grpc-js, h2c) answering /bench.Bench/Ping with an empty message. */
export async function startGrpcOrigin(log: string[]): Promise<Peer & { port: number }> {
  const port = await freePort();
  const { child, peer } = start('grpc origin', process.execPath, ['--import', TSX, join(ROOT, 'bench/lib/grpc-origin.ts'), String(port)], log);
  await waitPort(port, 'grpc origin', child);
  return { ...peer, port };
}

export interface ProxyPorts { http: number; h2c: number; https: number; tcp: number; grpc: number }

/** nginx as the reference proxy: keep-alive upstreams, HTTP/1.1, h2c, TLS, gRPC and stream. */
export async function startNginxProxy(dir: string, workers: number, origin: number, grpcOrigin: number, tls: { cert: string; key: string }, log: string[]): Promise<Peer & { ports: ProxyPorts }> {
  const ports: ProxyPorts = { http: await freePort(), h2c: await freePort(), https: await freePort(), tcp: await freePort(), grpc: await freePort() };
  const d = join(dir, `nginx-${workers}`);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'tls.crt'), tls.cert);
  writeFileSync(join(d, 'tls.key'), tls.key);
  const conf = join(d, 'nginx.conf');
  writeFileSync(conf, `load_module /usr/lib/nginx/modules/ngx_stream_module.so;
${nginxCommon(d, workers)}http {
  ${nginxHttpCommon(d)}
  upstream origin { server 127.0.0.1:${origin}; keepalive 256; keepalive_requests 10000000; }
  upstream grpcorigin { server 127.0.0.1:${grpcOrigin}; keepalive 64; }
  server {
    listen 127.0.0.1:${ports.http} backlog=4096;
    listen 127.0.0.1:${ports.h2c} http2 backlog=4096;
    listen 127.0.0.1:${ports.https} ssl http2 backlog=4096;
    ssl_certificate ${join(d, 'tls.crt')}; ssl_certificate_key ${join(d, 'tls.key')};
    ssl_session_cache shared:SSL:10m;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering on; }
  }
  server {
    listen 127.0.0.1:${ports.grpc} http2;
    location / { grpc_pass grpc://grpcorigin; }
  }
}
stream {
  server { listen 127.0.0.1:${ports.tcp} backlog=4096; proxy_pass 127.0.0.1:${origin}; }
}
`);
  const { child, peer } = start(`nginx ${workers} worker${workers > 1 ? 's' : ''}`, 'nginx', ['-c', conf, '-e', join(d, 'error.log')], log);
  await waitPort(ports.http, 'nginx proxy', child);
  return { ...peer, ports };
}

/** A Node proxy from bench/lib/node-proxy.ts: 'node-http' (node:http + keep-alive agent) or 'fastify'. */
export async function startNodeProxy(kind: 'node-http' | 'fastify', origin: number, log: string[]): Promise<Peer & { port: number }> {
  const port = await freePort();
  const name = kind === 'node-http' ? 'node:http proxy (keep-alive agent)' : '@fastify/http-proxy';
  const { child, peer } = start(name, process.execPath, [join(ROOT, 'bench/lib/node-proxy.mjs'), kind, String(port), String(origin)], log);
  await waitPort(port, name, child);
  return { ...peer, port };
}

export interface PorticoPeer extends Peer { admin: string; portOffset: number }

let offsets = 0;
/**
 * Listener ports (80, 443, 9000, 9090) + offset: distinct for up to 12 Portico processes at once
 * and all below the kernel's ephemeral range (32768+), where the other peers' ports come from.
 */
export function nextPortOffset(): number {
  return 10_000 + 1_000 * (offsets++ % 12);
}

const canBind = (port: number) => new Promise<boolean>((done) => {
  const s = createServer();
  s.once('error', () => done(false));
  s.listen({ host: '127.0.0.1', port, exclusive: true }, () => s.close(() => done(true)));
});

/**
 * The next offset whose listener ports are free: on a machine shared with other benchmark runs,
 * a port already taken would leave Portico never ready.
 */
export async function freePortOffset(): Promise<number> {
  for (let i = 0; i < 12; i++) {
    const offset = nextPortOffset();
    const free = await Promise.all([80, 443, 9000, 9090].map((p) => canBind(p + offset)));
    if (free.every(Boolean)) return offset;
  }
  throw new Error('no free listener port offset (10,000..21,000): another benchmark holds them all');
}

/**
 * `portico serve` (the compiled CLI) over a manifest directory, ready once /readyz answers 200.
 * `root`: the checkout whose build/ runs (another one for a before/after comparison, --baseline).
 */
export async function startPortico(manifestDir: string, log: string[], extraArgs: string[] = [], name = 'Portico', runtime: 'node' | 'deno' = 'node', root = ROOT): Promise<PorticoPeer> {
  const admin = `127.0.0.1:${await freePort()}`;
  const portOffset = await freePortOffset();
  const [cmd, pre] = runtime === 'node' ? [process.execPath, []] : [join(ROOT, 'node_modules/.bin/deno'), ['run', '-A', '--config', join(ROOT, 'deno.json')]];
  const { child, peer } = start(name, cmd, [...pre, join(root, 'build/bin/portico.js'), 'serve', '--manifests', manifestDir,
    '--admin', admin, '--port-offset', String(portOffset), '--access-log', 'off', '--poll-ms', '1000', ...extraArgs], log);
  const until = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`portico exited with ${child.exitCode}\n${log.join('')}`);
    const ok = await fetch(`http://${admin}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > until) throw new Error(`portico not ready after 120 s\n${log.join('')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { ...peer, admin, portOffset };
}
