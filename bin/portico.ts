#!/usr/bin/env node
// The installed `portico` command, compiled to build/bin/portico.js by `npm run build`: plain
// JavaScript, no loader, so a gateway pod or a CI job pays no type-stripping at start. It runs on
// Node.js >= 22 and on Deno 2 (`deno run -A build/bin/portico.js`).
//
// The version check comes first and everything else is imported after it, so that an old Node
// prints one clear line instead of a syntax or module error from deep inside a dependency.
const nodeVersion = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno === 'object';
if (!isDeno && nodeVersion && Number(nodeVersion.split('.')[0]) < 22) {
  console.error(`portico needs Node.js >= 22 (this is v${nodeVersion})`);
  (globalThis as { process?: { exit(code: number): never } }).process!.exit(1);
}

const { main } = await import('../gateway/cli.ts');
const { argv, cwd, nowIso, setExitCode, writeStderr, writeStdout } = await import('../gateway/runtime/index.ts');
setExitCode(await main(argv(), { out: writeStdout, err: writeStderr, now: nowIso, cwd: cwd() }));
