// The runtime seam: everything the control plane needs from its host, chosen once at load.
// Node gets node.ts; Deno gets node.ts (which works there through node: compatibility) with
// deno.ts laid over it for the few things that genuinely differ. Callers import this file and
// never branch on the runtime themselves.
import * as node from './node.ts';

export type { LogStream, Watch } from './node.ts';
export type Runtime = typeof node;
export type RuntimeName = 'node' | 'deno';

export const runtimeName: RuntimeName = typeof (globalThis as { Deno?: unknown }).Deno === 'object' ? 'deno' : 'node';

export const runtime: Runtime = runtimeName === 'deno' ? { ...node, ...(await import('./deno.ts')) } : node;

export const {
  argv, env, cwd, isMainModule, setExitCode, nowIso, writeStdout, writeStderr,
  onShutdown, watchPaths, probeAddress, fetchJson, readKeyFile, readStdin, packageVersion, logStream, writeFiles, cpuCount, randomKey, releaseMemory,
} = runtime;
