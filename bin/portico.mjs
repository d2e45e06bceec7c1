#!/usr/bin/env node
// The installed `portico` command: registers tsx so the TypeScript sources run as they are.

const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  process.stderr.write(`portico needs Node.js >= 22 (this is ${process.version})\n`);
  process.exit(1);
}
// The same hooks `node --import tsx` installs (ESM and CommonJS): registering only the ESM
// ones changes how CommonJS dependencies load (ajv's compiled patterns misbehave).
await import('tsx');
const { main } = await import('../gateway/cli.ts');
const { argv, nowIso, writeStderr, writeStdout } = await import('../gateway/runtime/node.ts');
process.exitCode = await main(argv(), { out: writeStdout, err: writeStderr, now: nowIso, cwd: process.cwd() });
