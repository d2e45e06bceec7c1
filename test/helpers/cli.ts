// Child processes and temp dirs for the CLI and end-to-end tests: the real entry points run the way a
// user or CI runs them, and every test cleans up the directory it wrote.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
// Resolved here: a bare `--import tsx` is resolved from the child's cwd, which may be a temp dir.
export const TSX = import.meta.resolve('tsx');

/** node arguments that run a TypeScript file of the repo (path relative to the repo root). */
export function tsxArgv(script: string): string[] {
  return ['--import', TSX, resolve(REPO, script)];
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved in arrival order, as a terminal shows them. */
  output: string;
}

export interface RunOptions {
  /** @default the repo root */
  cwd?: string;
  /** The child is killed and the promise rejects after this long: a hang guard, generous because a
   *  cold Node/tsx start of the CLI can take tens of seconds on a loaded machine. @default 120000 */
  timeoutMs?: number;
  /** The rejection message on timeout, given what the child printed so far. */
  timeoutMessage: (sofar: ProcessResult) => string;
  /** Written to the child's stdin, which is then closed (default: no stdin). */
  input?: string;
  /** Added to (or overriding) the parent's environment. */
  env?: Record<string, string>;
}

/** Runs `node ...argv` to completion and collects its output. */
export function runNode(argv: string[], opts: RunOptions): Promise<ProcessResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, argv, { cwd: opts.cwd ?? REPO, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: opts.env ? { ...process.env, ...opts.env } : undefined });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    const r: ProcessResult = { code: null, stdout: '', stderr: '', output: '' };
    child.stdout!.on('data', (c) => { r.stdout += c; r.output += c; });
    child.stderr!.on('data', (c) => { r.stderr += c; r.output += c; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(opts.timeoutMessage(r))); }, opts.timeoutMs ?? 120_000);
    child.on('error', (e) => { clearTimeout(timer); fail(e); });
    child.on('close', (code) => { clearTimeout(timer); r.code = code; done(r); });
  });
}

/** A fresh temp directory holding `files` (name → text). */
export function tempDir(prefix: string, files: Record<string, string> = {}): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

/** Runs `fn` on a fresh temp directory holding `files` and removes the directory afterwards, pass or fail. */
export async function withTempDir<T>(prefix: string, files: Record<string, string>, fn: (dir: string) => Promise<T>): Promise<T> {
  const d = tempDir(prefix, files);
  try {
    return await fn(d);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}
