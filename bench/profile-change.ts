// Profiles one change at scale: serves N routes from files (one file per route), then creates M
// more one by one, each probed until it answers, under `node --cpu-prof`. The profile lands in
// --out; the per-change times are printed.
//   npm run build && node --import tsx bench/profile-change.ts --routes 3000 --changes 100 --out /tmp/prof
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { selfSignedCert } from '../test/helpers/self-signed.ts';
import { LISTENER, writeManifests } from './lib/manifests.ts';
import { attachedRoutes, newRoute, probe, writeAtomic } from './lib/controlplane.ts';
import { ROOT } from './lib/peers.ts';
import { cpuSeconds, machineBusySeconds, processTree } from './lib/sys.ts';

const { values } = parseArgs({ options: {
  routes: { type: 'string', default: '3000' }, changes: { type: 'string', default: '100' }, out: { type: 'string', default: join(tmpdir(), 'portico-prof') },
  bin: { type: 'string', default: join(ROOT, 'build/bin/portico.js') },
  /** Instead of one-by-one changes: this many routes written at once, timed until attachedRoutes counts them. */
  burst: { type: 'string' },
  workers: { type: 'string' },
  'no-prof': { type: 'boolean', default: false },
} });
const work = mkdtempSync(join(tmpdir(), 'portico-prof-'));
const dir = join(work, 'm');
const tls = selfSignedCert(work, 'bench', ['bench.example.com']);
const origin = createServer((_q, r) => r.end('ok')).listen(0, '127.0.0.1');
await new Promise((r) => origin.once('listening', r));
const originPort = (origin.address() as { port: number }).port;
writeManifests(dir, { origin: originPort, grpcOrigin: originPort, tls, routes: 0 });
const N = Number(values.routes), M = Number(values.changes);
for (let i = 0; i < N; i++) writeAtomic(dir, `new-${i}.yaml`, [newRoute(i)]);
mkdirSync(values.out!, { recursive: true });
const offset = 20000 + (process.pid % 1000) * 10;
const child = spawn(process.execPath, [...(!values['no-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values.out!] : []), values.bin!, 'serve', '--manifests', dir,
  '--admin', `127.0.0.1:${offset + 9}`, '--port-offset', String(offset), '--access-log', 'off', '--poll-ms', '1000',
  ...(values.workers ? ['--workers', values.workers] : [])], { stdio: ['ignore', 'ignore', 'inherit'] });
const port = LISTENER.http + offset;
for (let t = 0; t < 2000; t++) {
  if (await fetch(`http://127.0.0.1:${offset + 9}/readyz`).then((r) => r.status === 200, () => false)) break;
  await new Promise((r) => setTimeout(r, 50));
}
const times: number[] = [];
// CPU time is what a busy machine does not distort: the serve tree's (control process and
// workers) and the control process's own, over the measured changes, and how busy the machine was.
const ownCpu = (pid: number) => cpuSeconds(pid) - processTree(pid).slice(1).reduce((a, p) => a + (processTree(p).length === 1 ? cpuSeconds(p) : 0), 0);
const cpu0 = { tree: cpuSeconds(child.pid!), control: ownCpu(child.pid!), machine: machineBusySeconds(), wall: performance.now() };
if (values.burst) {
  const admin = `127.0.0.1:${offset + 9}`;
  const before = await attachedRoutes(admin, 'bench/bench', 'http');
  const B = Number(values.burst);
  const t0 = performance.now();
  writeAtomic(dir, 'burst.yaml', Array.from({ length: B }, (_, i) => newRoute(100_000 + i)));
  for (let k = 0; k < 3000 && (await attachedRoutes(admin, 'bench/bench', 'http')) < before + B; k++) await new Promise((r) => setTimeout(r, 20));
  times.push(performance.now() - t0);
}
for (let i = N; i < N + (values.burst ? 0 : M); i++) {
  const t0 = performance.now();
  writeAtomic(dir, `new-${i}.yaml`, [newRoute(i)]);
  for (let k = 0; k < 6000 && (await probe(port, `n${i}.bench.example.com`)) !== 200; k++) await new Promise((r) => setTimeout(r, 5));
  times.push(performance.now() - t0);
}
const cpu1 = { tree: cpuSeconds(child.pid!), control: ownCpu(child.pid!), machine: machineBusySeconds(), wall: performance.now() };
child.kill('SIGINT');
await new Promise((r) => child.on('exit', r));
const mean = times.reduce((a, b) => a + b, 0) / times.length;
console.log(JSON.stringify({
  routes: N, changes: values.burst ? 0 : M, burst: values.burst ? Number(values.burst) : undefined, meanMs: +mean.toFixed(1), maxMs: +Math.max(...times).toFixed(1),
  cpuMs: Math.round((cpu1.tree - cpu0.tree) * 1000), controlCpuMs: Math.round((cpu1.control - cpu0.control) * 1000),
  machineBusyCores: +((cpu1.machine - cpu0.machine) / ((cpu1.wall - cpu0.wall) / 1000)).toFixed(2),
}));
origin.close();
rmSync(work, { recursive: true, force: true });
