// A throwaway local Redis for `npm start` and the tests: Debian's redis-server on a free loopback
// port, no persistence, stopped with its owner. Global rate limits count in it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface LocalRedis {
  port: number;
  pid: number;
  url: string;
  stop(): Promise<void>;
}

export function redisServerInstalled(): boolean {
  return spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status === 0;
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
    child.on('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`redis-server exited (${code}): ${out.trim().split('\n').pop() ?? ''}`));
    });
  });
}

/** Starts redis-server on a free loopback port; rejects when it is not installed or cannot start. */
export async function startLocalRedis(): Promise<LocalRedis> {
  if (!redisServerInstalled()) throw new Error('redis-server is not installed (Debian: apt-get install redis-server)');
  let child: ChildProcess | undefined;
  let port = 0;
  let last: unknown;
  // A port picked free can be taken before redis-server binds it (other programs run): try again.
  for (let i = 0; i < 3 && child === undefined; i++) {
    port = await freePort();
    child = await startOn(port).catch((err: unknown) => { last = err; return undefined; });
  }
  if (child === undefined) throw last instanceof Error ? last : new Error('could not start redis-server');
  const proc = child;
  return {
    port,
    pid: proc.pid!,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
