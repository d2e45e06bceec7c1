// Runs the real CLI as a child process, the way a user or CI does.
import { REPO, runNode, tsxArgv } from '../helpers/cli.ts';

export { REPO };

export function runCli(args: string[], opts: { cwd?: string; timeoutMs?: number; input?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runNode([...tsxArgv('gateway/cli.ts'), ...args], {
    cwd: opts.cwd, timeoutMs: opts.timeoutMs, input: opts.input, timeoutMessage: (r) => `portico ${args.join(' ')} timed out\n${r.stderr}`,
  });
}
