// What Deno does differently from Node for the control plane, and nothing else: the rest of
// node.ts runs unchanged on Deno through its node: compatibility (sockets, fetch, stdio).
// Loaded only by index.ts when `globalThis.Deno` exists, so Node never evaluates it.
import { watchTargets } from './watch-targets.ts';
import type { LogStream, Watch } from './node.ts';

// The few Deno APIs used here, typed locally: the project type-checks against @types/node only.
interface DenoFsWatcher extends AsyncIterable<{ paths: string[] }> { close(): void }
interface DenoApi {
  args: string[];
  mainModule: string;
  exitCode: number;
  build: { os: string };
  env: { get(name: string): string | undefined };
  permissions: { querySync(d: { name: 'env'; variable: string }): { state: string } };
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
  watchFs(paths: string | string[], options?: { recursive?: boolean }): DenoFsWatcher;
  exit(code: number): never;
}

const deno = (globalThis as unknown as { Deno: DenoApi }).Deno;

export function argv(): string[] {
  return [...deno.args];
}

/**
 * An unset variable and one this process may not read look the same. Node's `process.env`
 * under Deno throws without --allow-env; asking first lets a gateway run with
 * `--allow-env=PORTICO_...` and treat the rest as unset.
 */
export function env(name: string): string | undefined {
  if (deno.permissions.querySync({ name: 'env', variable: name }).state !== 'granted') return undefined;
  return deno.env.get(name);
}

/** `process.argv[1]` is not the main module under `deno compile` or a remote URL; mainModule is. */
export function isMainModule(url: string): boolean {
  return url === deno.mainModule;
}

export function setExitCode(code: number): void {
  deno.exitCode = code;
}

/**
 * Runs `fn` once on the first SIGINT/SIGTERM; a second signal exits at once. Deno refuses to
 * listen for SIGTERM on Windows (Node silently never delivers it), so that one is optional.
 */
export function onShutdown(fn: (signal: string) => void | Promise<void>): () => void {
  let fired = false;
  const listening: Array<[string, () => void]> = [];
  for (const signal of ['SIGINT', 'SIGTERM']) {
    const handler = () => {
      if (fired) deno.exit(130);
      fired = true;
      void fn(signal);
    };
    try {
      deno.addSignalListener(signal, handler);
      listening.push([signal, handler]);
    } catch {
      // unsupported on this OS
    }
  }
  return () => { for (const [s, h] of listening) deno.removeSignalListener(s, h); };
}

/**
 * Same contract as node.ts: directories recursively, files through their parent directory
 * (atomic renames replace the inode), errors swallowed because the caller also rescans.
 * One difference Deno cannot avoid: a watcher always keeps the process alive (there is no
 * `persistent: false`), so callers must close() it, as `serve` does on shutdown.
 */
export function watchPaths(paths: string[], onChange: (path?: string) => void): Watch {
  const watchers: DenoFsWatcher[] = [];
  for (const { dir, recursive } of watchTargets(paths)) {
    let w: DenoFsWatcher;
    try {
      w = deno.watchFs(dir, { recursive });
    } catch {
      continue; // dir missing or not watchable: rely on polling.
    }
    watchers.push(w);
    void (async () => {
      try {
        for await (const e of w) {
          if (e.paths.length === 0) onChange();
          else for (const p of e.paths) onChange(p);
        }
      } catch {
        // closed or failed: the rescan timer covers us.
      }
    })();
  }
  return { close: () => { for (const w of watchers) { try { w.close(); } catch { /* already closed */ } } } };
}

/** Deno: plain stdio writes (sonic-boom's fd writes are not what Deno's node compatibility does best). */
export function logStream(fd: 1 | 2): LogStream {
  const out = fd === 1 ? process.stdout : process.stderr;
  return { write: (line) => { out.write(line); }, flush: () => {} };
}
