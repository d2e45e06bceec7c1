// A real Redis for the rate-limit tests (apps/local-redis.ts, as `npm start` runs it), with a
// client for assertions. Installed here when missing (as .ci/run does), so a fresh machine runs
// these tests instead of skipping them.
import { spawnSync } from 'node:child_process';
import { redisServerInstalled, startLocalRedis } from '../../apps/local-redis.ts';

export interface RedisServer {
  port: number;
  url: string;
  /** One command, its reply as text (arrays joined by commas). */
  command(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** apt-get install redis-server when it is not there (root only; otherwise a clear error). */
export function ensureRedisInstalled(): void {
  if (redisServerInstalled()) return;
  if (process.getuid?.() !== 0) throw new Error('redis-server is not installed: apt-get install redis-server (the rate-limit tests need a real Redis)');
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', 'redis-server'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0 || !redisServerInstalled()) throw new Error('apt-get install redis-server failed');
}

export async function startRedis(): Promise<RedisServer> {
  ensureRedisInstalled();
  const server = await startLocalRedis();
  const { Redis } = await import('ioredis');
  const client = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  return {
    port: server.port,
    url: server.url,
    command: async (...args) => String(await client.call(args[0]!, ...args.slice(1))),
    async stop() {
      client.disconnect(false);
      await server.stop();
    },
  };
}
