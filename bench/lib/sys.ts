// What the benchmark needs from the machine: its tools (installed from Debian when missing, so a
// run never silently skips a peer), their versions, and CPU and memory of process trees read from
// /proc (Linux only, like the machines this suite is run on).
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';

const DEBIAN = { nginx: 'nginx', wrk: 'wrk', h2load: 'nghttp2-client' } as const;

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Installs the Debian packages of missing tools; nginx's own service is kept from starting. */
export function ensureTools(log: (s: string) => void): void {
  const missing = (Object.keys(DEBIAN) as (keyof typeof DEBIAN)[]).filter((c) => !has(c) && !has(`/usr/sbin/${c}`));
  if (missing.length === 0) return;
  log(`installing ${missing.map((m) => DEBIAN[m]).join(' ')} (apt-get)`);
  const policy = '/usr/sbin/policy-rc.d';
  writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', '-qq', ...missing.map((m) => DEBIAN[m])], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } finally {
    rmSync(policy, { force: true });
  }
}

export function versions(): Record<string, string> {
  const first = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return `${r.stdout}${r.stderr}`.split('\n').find((l) => l.trim())?.trim() ?? 'unknown';
  };
  return {
    node: process.version,
    nginx: first('nginx', ['-v']).replace('nginx version: ', ''),
    wrk: first('wrk', ['-v']).split(' [')[0]!,
    h2load: first('h2load', ['--version']),
    kernel: first('uname', ['-r']),
    cpus: String(readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length),
  };
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch { return -1; }
}

/** The pid and all its descendants (nginx workers, cluster workers). */
export function processTree(root: number): number[] {
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const children = new Map<number, number[]>();
  for (const p of pids) {
    const pp = parentOf(p);
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const out: number[] = [];
  const walk = (p: number) => { out.push(p); for (const c of children.get(p) ?? []) walk(c); };
  walk(root);
  return out;
}

/** CPU time (user + system) of a process tree, in seconds. */
export function cpuSeconds(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch { /* exited */ }
  }
  return ticks / 100;
}

/** Resident memory of a process tree, in MiB. */
export function rssMiB(root: number): number {
  let kb = 0;
  for (const pid of processTree(root)) {
    try { kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0); } catch { /* exited */ }
  }
  return kb / 1024;
}

/** Resident memory of each process of a `portico serve` tree: the control process, then each data-plane worker. */
export function rssPerProcess(root: number): { control: number; workers: number[] } {
  const rss = (pid: number) => {
    try { return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024; } catch { return 0; }
  };
  const workers = processTree(root).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('worker-main'); } catch { return false; }
  });
  // The control process is the node process whose children are the workers (npx or a shell may sit above it).
  const control = workers.length > 0 ? parentOf(workers[0]!) : root;
  return { control: rss(control), workers: workers.map(rss) };
}

/** Busy CPU seconds of the whole machine (all cores), from /proc/stat. */
export function machineBusySeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / 100;
}
