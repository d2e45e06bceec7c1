// `npm run bench:startup`: how long `portico serve` takes from exec to /readyz 200, and its
// resident memory once ready, for the compiled CLI (what users and pods run) and for the
// TypeScript sources through tsx (how the CLI started before `npm run build` existed).
// Loopback only; a fixed number of rounds, alternating the two so that both see the same box.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, manifests: { type: 'string', default: join(ROOT, 'dist') } } });

interface Variant { name: string; argv: string[] }
const VARIANTS: Variant[] = [
  { name: 'compiled (node build/bin/portico.js)', argv: [join(ROOT, 'build/bin/portico.js')] },
  { name: 'sources through tsx (node --import tsx gateway/cli.ts)', argv: ['--import', import.meta.resolve('tsx'), join(ROOT, 'gateway/cli.ts')] },
];

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function once(v: Variant, slot: number): Promise<{ readyMs: number; rss: number }> {
  const admin = `127.0.0.1:${19900 + slot}`;
  const t0 = performance.now();
  const child = spawn(process.execPath, [...v.argv, 'serve', '--manifests', values.manifests!, '--admin', admin,
    '--port-offset', String(30000 + slot * 100), '--address-pool', '127.0.9.0/24', '--access-log', 'off', '--workers', '1'], { stdio: 'ignore' });
  try {
    const deadline = t0 + 60_000;
    for (;;) {
      if (performance.now() > deadline) throw new Error(`${v.name}: not ready after 60 s`);
      const ok = await fetch(`http://${admin}/readyz`).then((r) => r.status === 200, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const readyMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 1000)); // let start-up garbage settle before reading RSS
    return { readyMs, rss: rssMiB(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results = new Map<string, { ready: number[]; rss: number[] }>(VARIANTS.map((v) => [v.name, { ready: [], rss: [] }]));
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [i, v] of VARIANTS.entries()) {
    const r = await once(v, i);
    results.get(v.name)!.ready.push(r.readyMs);
    results.get(v.name)!.rss.push(r.rss);
  }
}
console.log(`portico serve --manifests ${values.manifests}: median of ${values.rounds} rounds, node ${process.version}\n`);
console.log('| start-up | exec → /readyz 200 | RSS when ready |\n|---|---:|---:|');
for (const [name, r] of results) console.log(`| ${name} | ${median(r.ready).toFixed(0)} ms | ${median(r.rss).toFixed(0)} MiB |`);
