// Loopback throughput of `portico serve` with tracing off and on, measured with wrk (Debian's
// `wrk` package). Usage:
//   npm run bench:observability -- [--rounds N] [--seconds S] [--baseline path/to/other/gateway/cli.ts]
// --baseline adds a mode running another checkout's CLI (e.g. an older commit unpacked with
// `git archive`, sharing this node_modules) to compare against code without tracing at all. Modes alternate round by round so a noisy machine
// spreads its noise over all of them; the median of each mode is printed.
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GATEWAY_CLASS, echoBackend, httpGateway } from '../test/helpers/manifests.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '8' }, baseline: { type: 'string' }, only: { type: 'string', multiple: true } } });
const ROUNDS = Number(values.rounds), SECONDS = Number(values.seconds);
const REPO = resolve(import.meta.dirname, '..');
const CLI = join(REPO, 'gateway/cli.ts');

// The test helpers' GatewayClass, HTTP Gateway and echo Service/EndpointSlice, plus one catch-all route.
function manifests(backendPort: number): string {
  return `${GATEWAY_CLASS}---
${httpGateway('gw', 'bench')}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: bench }
spec:
  parentRefs: [{ name: gw }]
  rules: [{ backendRefs: [{ name: echo, port: 8080 }] }]
---
${echoBackend('bench', backendPort)}`;
}

async function listen(server: ReturnType<typeof createServer>): Promise<number> {
  await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  return (server.address() as { port: number }).port;
}

// Asynchronous: the origin server below lives in this process and must keep answering meanwhile.
const execFileAsync = promisify(execFile);
async function run(args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('wrk', args, { encoding: 'utf8' });
  if (/Non-2xx|Socket errors/.test(stdout) && args.includes('-c32')) throw new Error(`wrk saw errors:\n${stdout}`);
  return stdout;
}

async function runMode(name: string, cli: string, extra: string[], dir: string, gwPort: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', '--manifests', dir, '--port-offset', String(gwPort - 80),
    '--admin', '127.0.0.1:0', '--access-log', 'off', ...extra], { cwd: REPO, stdio: 'ignore' });
  let exited = false;
  child.once('exit', () => { exited = true; });
  // Ready when the port answers.
  for (let i = 0; i < 300 && !exited; i++) {
    try {
      await run(['-t1', '-c1', '-d1s', `http://127.0.0.1:${gwPort}/`]);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  if (exited) throw new Error(`${name}: the gateway exited before it served`);
  const out = await run(['-t1', '-c32', `-d${SECONDS}s`, `http://127.0.0.1:${gwPort}/`]);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  console.log(`${name.padEnd(24)} ${rps.toFixed(0)} req/s`);
  return rps;
}

const backend = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok\n'); });
const collector = createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200); res.end(); }); });
const backendPort = await listen(backend);
const collectorPort = await listen(collector);
const dir = mkdtempSync(join(tmpdir(), 'portico-bench-'));
writeFileSync(join(dir, 'app.yaml'), manifests(backendPort));
const probe = createServer();
const gwPort = await listen(probe);
await new Promise((r) => probe.close(r));
const modes: [string, string, string[]][] = [
  ...(values.baseline ? [['baseline (--baseline)', resolve(values.baseline), []] as [string, string, string[]]] : []),
  ['tracing off', CLI, []],
  ['tracing on, ratio 0.01', CLI, ['--otlp-endpoint', `http://127.0.0.1:${collectorPort}/v1/traces`, '--trace-sample-ratio', '0.01']],
  ['tracing on, ratio 1', CLI, ['--otlp-endpoint', `http://127.0.0.1:${collectorPort}/v1/traces`]],
];
// --only NAME... keeps the modes whose name starts with one of them (e.g. --only baseline --only 'tracing off').
if (values.only?.length) modes.splice(0, modes.length, ...modes.filter(([n]) => values.only!.some((o) => n.startsWith(o))));
const results = new Map<string, number[]>(modes.map(([n]) => [n, []]));
try {
  for (let r = 0; r < ROUNDS; r++) for (const [name, cli, extra] of modes) results.get(name)!.push(await runMode(name, cli, extra, dir, gwPort));
} finally {
  backend.close();
  collector.close();
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log('\nmedian of', ROUNDS, 'rounds:');
for (const [name, xs] of results) console.log(`${name.padEnd(24)} ${median(xs).toFixed(0)} req/s`);
