#!/usr/bin/env -S deno run -A
// The `portico` command on Deno: `deno run -A bin/portico-deno.ts <command> ...`. Deno runs
// the TypeScript sources directly and reads npm dependencies from node_modules (deno.json),
// so unlike bin/portico.mjs no loader is registered here.
import { main } from '../gateway/cli.ts';
import { argv, cwd, nowIso, runtimeName, setExitCode, writeStderr, writeStdout } from '../gateway/runtime/index.ts';

if (runtimeName !== 'deno') {
  writeStderr('bin/portico-deno.ts is the Deno entry point; on Node use bin/portico.mjs');
  setExitCode(1);
} else {
  setExitCode(await main(argv(), { out: writeStdout, err: writeStderr, now: nowIso, cwd: cwd() }));
}
