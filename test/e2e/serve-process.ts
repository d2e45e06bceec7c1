// `portico serve` as a child process, with helpers to read its logs and call its endpoints.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { REPO, tsxArgv } from '../helpers/cli.ts';

export interface Served {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  admin: () => string | undefined;
  stop(): Promise<number | null>;
}

/** A free port p such that p + each offset is free too (listener ports sharing one --port-offset). */
export async function freePorts(offsets: number[]): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const p = await freePort();
    if (p + Math.max(...offsets) > 65535) continue;
    const free = await Promise.all(offsets.map((o) => canListen('127.0.0.1', p + o)));
    if (free.every(Boolean)) return p;
  }
  throw new Error('no free port range');
}

// Ports are drawn below the kernel's ephemeral range (32768-60999 on Linux). A port the kernel
// hands out for port 0 is in that range, so between this probe and the gateway's bind it can be
// taken as the source port of any outgoing connection, which a machine running many tests makes
// by the thousand: the gateway then fails to bind, and the test sees ECONNREFUSED.
const LOW = 20_000, HIGH = 32_767;

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let tries = 0; tries < 500; tries++) {
    const p = LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
    if (await canListen(host, p)) return p;
  }
  throw new Error(`no free port in ${LOW}..${HIGH}`);
}

/**
 * Starts `portico serve`. Single-process (`--workers 1`) unless the test passes `--workers`: the
 * suites using this test one gateway's semantics; test/workers/ and the drain test run N = 2.
 */
export function serve(args: string[], env?: Record<string, string>): Served {
  const workers = args.includes('--workers') ? [] : ['--workers', '1'];
  const child = spawn(process.execPath, [...tsxArgv('gateway/cli.ts'), 'serve', ...workers, ...args], {
    cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: env === undefined ? undefined : { ...process.env, ...env },
  });
  let out = '', err = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (err += c));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    admin: () => {
      for (const line of err.split('\n')) {
        try { const j = JSON.parse(line); if (j.msg === 'portico serving') return j.admin as string; } catch { /* partial line */ }
      }
      return undefined;
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export function httpGet(address: string, port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((done, fail) => {
    const req = request({ host: address, port, path, headers, agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => done({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end();
  });
}

/** GET over TLS to 127.0.0.1:port with SNI and Host `host`, trusting `ca`. */
export function httpsGet(port: number, host: string, path: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, servername: host, headers: { host }, ca, agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => done({ status: res.statusCode!, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end();
  });
}

export function adminGet(admin: string, path: string) {
  const i = admin.lastIndexOf(':');
  return httpGet(admin.slice(0, i), Number(admin.slice(i + 1)), path);
}
