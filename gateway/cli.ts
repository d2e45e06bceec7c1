// The `portico` command. One verb per file in gateway/cli/; this file only dispatches.
import { argv, cwd, isMainModule, nowIso, setExitCode, writeStderr, writeStdout } from './runtime/index.ts';
import { UsageError } from './cli/args.ts';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  now(): string;
  cwd: string;
}

const USAGE = `usage: portico <command> [options]

commands:
  serve      --manifests <file|dir>...   serve Gateway API manifests (watches for changes)
  validate   <file|dir>...               check manifests offline; exit 1 on errors
  translate  <file|dir>...               print the routing table and statuses as YAML
  status     [--admin HOST:PORT]         show the status of a running gateway`;

export async function main(args: string[], io: CliIo): Promise<number> {
  const [verb, ...rest] = args;
  try {
    switch (verb) {
      case 'serve': return await (await import('./cli/serve.ts')).runServe(rest, io);
      case 'validate': return await (await import('./cli/validate.ts')).runValidate(rest, io);
      case 'translate': return await (await import('./cli/translate.ts')).runTranslate(rest, io);
      case 'status': return await (await import('./cli/status.ts')).runStatus(rest, io);
      case undefined: case 'help': case '--help': case '-h':
        io.out(USAGE);
        return verb === undefined ? 2 : 0;
      default:
        io.err(`unknown command ${verb}\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof UsageError) { io.err(err.message); return 2; }
    io.err(`portico ${verb}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

// Run when executed directly (node --import tsx gateway/cli.ts ...), not when imported.
if (isMainModule(import.meta.url)) {
  setExitCode(await main(argv(), { out: writeStdout, err: writeStderr, now: nowIso, cwd: cwd() }));
}
