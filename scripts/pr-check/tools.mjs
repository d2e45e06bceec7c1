// What the PR check and the Argo CD plugin share: running a tool with an argument list (never a
// shell), finding the app's (or this package's) portico and cdk8s, reading cdk8s.yaml's output.
// Plain JavaScript: these run before anything is compiled.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This package's root (scripts/pr-check/../..). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs `file args` in `cwd`; output is collected, never inherited. */
export function run(file, args, cwd, env = {}) {
  const started = Date.now();
  const r = spawnSync(file, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 });
  return { code: r.error ? 127 : r.status ?? 1, stdout: r.stdout ?? '', stderr: r.error ? `cannot run ${file}: ${r.error.message}` : r.stderr ?? '', ms: Date.now() - started };
}

/** run() without blocking, so independent steps (validate, diff) use both cores. */
export function runAsync(file, args, cwd, env = {}) {
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(file, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
    child.on('error', (e) => done({ code: 127, stdout, stderr: `cannot run ${file}: ${e.message}`, ms: Date.now() - started }));
    child.on('close', (code) => done({ code: code ?? 1, stdout, stderr, ms: Date.now() - started }));
  });
}

/** PATH with the app's node_modules/.bin first, as `npm run` has it (the app's Node, tsx, cdk8s). */
export function appPath(dir) {
  return `${join(dir, 'node_modules', '.bin')}${delimiter}${join(PACKAGE_ROOT, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`;
}

/**
 * The portico CLI: `explicit`, else the app's installed one, else this package's build. A .js/.ts
 * entry runs on the app's Node (keeping this process's flags such as --import tsx); a .bin shim
 * runs as it is.
 * Returns undefined when there is none.
 */
export function porticoRunner(dir, explicit) {
  const installed = join(dir, 'node_modules', '.bin', 'portico');
  const own = join(PACKAGE_ROOT, 'build', 'bin', 'portico.js');
  const entry = explicit ? resolve(explicit) : existsSync(installed) ? installed : existsSync(own) ? own : undefined;
  if (!entry) return undefined;
  // `node` from the app's PATH: the app's Node (e.g. the `node` devDependency), which may be
  // newer than the one running this script.
  const runner = (exec) => (args, env) => (/\.(m?js|ts)$/.test(entry)
    ? exec('node', [...process.execArgv, entry, ...args], dir, { PATH: appPath(dir), ...env })
    : exec(entry, args, dir, { PATH: appPath(dir), ...env }));
  const sync = runner(run);
  sync.async = runner(runAsync);
  return sync;
}

/** The cdk8s CLI: the app's, else this package's dependency, else one on the PATH (the plugin image's). */
export function cdk8sBin(dir) {
  const dirs = [join(dir, 'node_modules', '.bin'), join(PACKAGE_ROOT, 'node_modules', '.bin'), ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  for (const d of dirs) {
    const bin = join(d, 'cdk8s');
    if (existsSync(bin)) return bin;
  }
  return undefined;
}

/** cdk8s.yaml's `output` (one top-level key, read without a YAML parser). */
export function cdk8sOutput(dir) {
  const file = join(dir, 'cdk8s.yaml');
  if (!existsSync(file)) return undefined;
  return /^output:\s*["']?([^"'\s#]+)/m.exec(readFileSync(file, 'utf8'))?.[1];
}
