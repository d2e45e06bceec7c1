// Everything the control plane needs from Node itself, in one place: argv, env, signals,
// file watching and address probing. Other modules take these as plain functions so a
// Deno runtime file can provide the same shape.
import { mkdirSync, readdirSync, readFileSync, statSync, watch as fsWatch, writeFileSync, type Dirent, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { watchTargets } from './watch-targets.ts';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sonicBoom from 'sonic-boom';

export function argv(): string[] {
  return process.argv.slice(2);
}

export function env(name: string): string | undefined {
  return process.env[name];
}

export function cwd(): string {
  return process.cwd();
}

/** Whether the module with this import.meta.url is the script node was started with. */
export function isMainModule(url: string): boolean {
  return !!process.argv[1] && url === pathToFileURL(process.argv[1]).href;
}

export function setExitCode(code: number): void {
  process.exitCode = code;
}

export function nowIso(): string {
  return new Date().toISOString();
}

export function writeStdout(line: string): void {
  process.stdout.write(line.endsWith('\n') ? line : line + '\n');
}

export function writeStderr(line: string): void {
  process.stderr.write(line.endsWith('\n') ? line : line + '\n');
}

/**
 * Where a log goes: an asynchronous writer on fd 1 or 2, flushed on exit. sonic-boom is what
 * pino.destination() returns; it is imported directly because loading all of pino here would
 * make every verb read NODE_V8_COVERAGE (thread-stream), which Deno refuses without --allow-env.
 */
export interface LogStream {
  write(line: string): void;
  /** Writes out what is buffered; called before the process exits. */
  flush(): void;
}

export function logStream(fd: 1 | 2): LogStream {
  const dest = new (sonicBoom as unknown as typeof import('sonic-boom').SonicBoom)({ fd, sync: false, minLength: 0 });
  return {
    write: (line) => dest.write(line),
    flush: () => {
      try {
        dest.flushSync();
      } catch {
        // nothing buffered, or the descriptor is gone: nothing left to save
      }
    },
  };
}

/** Runs `fn` once on the first SIGINT/SIGTERM; a second signal exits at once. */
export function onShutdown(fn: (signal: string) => void | Promise<void>): () => void {
  let fired = false;
  const handler = (signal: NodeJS.Signals) => {
    if (fired) process.exit(130);
    fired = true;
    void fn(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

export interface Watch {
  close(): void;
}

/**
 * Calls `onChange` when anything under `paths` may have changed, with the path that changed
 * when the platform says (undefined: look everywhere). Directories are watched with their
 * subdirectories (dot-directories and node_modules aside, as the manifest scan skips them); a
 * file is watched through its parent directory, because an atomic rename replaces the inode a
 * file watch would be bound to. Every directory gets its own plain watch: Node's recursive
 * mode re-lists a directory on every event, which costs a directory of thousands of manifests
 * dearly per change. Watch errors are swallowed: the caller's periodic rescan is the safety net.
 */
export function watchPaths(paths: string[], onChange: (path?: string) => void): Watch {
  const watchers = new Map<string, FSWatcher>();
  const skipped = (name: string) => name.startsWith('.') || name === 'node_modules';
  const watchDir = (dir: string, recursive: boolean) => {
    watchers.get(dir)?.close();
    try {
      const w = fsWatch(dir, { persistent: false }, (_event, name) => {
        const path = name ? join(dir, name.toString()) : undefined;
        // A directory that appears (or reappears) under a recursive target is watched too.
        if (recursive && path !== undefined && !skipped(name!.toString())) {
          try { if (statSync(path).isDirectory()) watchTree(path); } catch { /* gone again */ }
        }
        onChange(path);
      });
      w.on('error', () => { w.close(); if (watchers.get(dir) === w) watchers.delete(dir); });
      watchers.set(dir, w);
    } catch {
      // dir missing or not watchable: rely on polling.
    }
  };
  const watchTree = (dir: string) => {
    watchDir(dir, true);
    let entries: Dirent[];
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) if (e.isDirectory() && !skipped(e.name)) watchTree(join(dir, e.name));
  };
  for (const { dir, recursive } of watchTargets(paths)) {
    if (recursive) watchTree(dir);
    else watchDir(dir, false);
  }
  return { close: () => { for (const w of watchers.values()) w.close(); watchers.clear(); } };
}

/**
 * Whether this host can bind `address` (undefined = yes, else the error message). Binds
 * an ephemeral TCP port and closes it at once.
 */
export function probeAddress(address: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => resolve(`${err.code ?? 'ERROR'}: ${err.message}`));
    srv.listen({ host: address, port: 0, exclusive: true }, () => srv.close(() => resolve(undefined)));
  });
}

/** GET a JSON document from a control endpoint (the admin server of a running gateway). */
export async function fetchJson(url: string, timeoutMs = 5000, headers?: Record<string, string>): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${res.statusText}`);
  return res.json();
}

/** The bytes of a key file (a mounted Secret); errors name the path. */
export function readKeyFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Writes `files` (name -> text) into `dir`, creating it; `portico migrate --out`. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

/** All of stdin as UTF-8 (`-` as a manifest path). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Portico's own version, from its package.json: found by walking up from this file, so it works
 * from the TypeScript sources (gateway/runtime/), the compiled build/ tree and on Deno alike.
 */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'portico' && pkg.version) return pkg.version;
    } catch {
      // no package.json here: keep walking up
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return 'unknown';
}

/** CPU cores this process may use (the default number of data-plane workers). */
export function cpuCount(): number {
  return availableParallelism();
}

/** `n` random bytes (a key generated once, e.g. the session key all workers share). */
export function randomKey(n: number): Buffer {
  return randomBytes(n);
}

/**
 * One memory-reducing full collection, for the moment a process has built its first large
 * configuration: without it V8 keeps the young generation at the size the burst grew it to
 * (128 MiB) and the old generation's garbage until its memory reducer runs after a minute or
 * more of idleness (control process with 10,000 routes: 507 MiB at ready, 309 MiB after).
 * `gc` is not exposed without --expose-gc, and the flag cannot be given to a running process
 * from the command line of `portico`, so it is set for one new context (Node's documented
 * v8.setFlagsFromString) and the collection is asked there; 'last-resort' is V8's flavour that
 * shrinks the heap. Best effort: a runtime without it does nothing.
 */
export function releaseMemory(): void {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as ((o: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void) | undefined;
    setFlagsFromString('--no-expose-gc');
    gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  } catch {
    // not available here: V8 returns the memory later on its own
  }
}
