// A real Redis for the rate-limit tests: Debian's redis-server on a loopback port of its own,
// no persistence, stopped by the test. Installed here when missing (as .ci/run does), so a
// fresh machine runs these tests instead of skipping them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface RedisServer {
  port: number;
  url: string;
  /** redis-cli-free access for assertions: one command, its reply as text. */
  command(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

function onPath(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

/** apt-get install redis-server when it is not there (root only; otherwise a clear error). */
export function ensureRedisInstalled(): void {
  if (onPath('redis-server')) return;
  if (process.getuid?.() !== 0) throw new Error('redis-server is not installed: apt-get install redis-server (the rate-limit tests need a real Redis)');
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', 'redis-server'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0 || !onPath('redis-server')) throw new Error('apt-get install redis-server failed');
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen({ host: '127.0.0.1', port: 0 }, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

function startOn(port: number): Promise<ChildProcess> {
  return new Promise((done, fail) => {
    const child = spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--protected-mode', 'yes', '--daemonize', 'no', '--loglevel', 'notice',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(`redis-server did not start: ${out}`)); }, 10_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        done(child);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`redis-server exited (${code}): ${out}`));
    });
  });
}

export async function startRedis(): Promise<RedisServer> {
  ensureRedisInstalled();
  let child: ChildProcess | undefined;
  let port = 0;
  // A port picked free can be taken before redis-server binds it (other suites run): try again.
  for (let i = 0; i < 3 && child === undefined; i++) {
    port = await freePort();
    child = await startOn(port).catch(() => undefined);
  }
  if (child === undefined) throw new Error('could not start redis-server on a loopback port');
  const proc = child;
  const { Redis } = await import('ioredis');
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    command: async (...args) => String(await client.call(args[0]!, ...args.slice(1))),
    async stop() {
      client.disconnect(false);
      if (proc.exitCode !== null) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
