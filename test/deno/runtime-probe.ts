// Prints what the runtime seam sees, so the Deno test can check deno.ts under narrow permissions.
import { argv, env, isMainModule, runtimeName, writeStdout } from '../../gateway/runtime/index.ts';

writeStdout(JSON.stringify({
  runtime: runtimeName,
  argv: argv(),
  allowed: env('PORTICO_DENO_PROBE'),
  other: env('PORTICO_DENO_OTHER') ?? null,
  main: isMainModule(import.meta.url),
}));
