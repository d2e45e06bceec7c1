// Runs the real CLI as a child process, the way a user or CI does.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
// Resolved here: a bare `--import tsx` is resolved from the child's cwd, which may be a temp dir.
const TSX = import.meta.resolve('tsx');

export function runCli(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', TSX, resolve(REPO, 'gateway/cli.ts'), ...args], {
      cwd: opts.cwd ?? REPO, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '', stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(`portico ${args.join(' ')} timed out\n${stderr}`)); }, opts.timeoutMs ?? 20000);
    child.on('error', fail);
    child.on('close', (code) => { clearTimeout(timer); done({ code, stdout, stderr }); });
  });
}
