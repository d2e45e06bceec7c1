// Runs every uvu suite under test/ in one process: `npm test [-- filter]`.
// A filter narrows the files by substring of their path (e.g. `npm run test:unit -- translator`).
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname);
const filters = process.argv.slice(2);

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name === 'fixtures' || name === 'node_modules') continue;
      out.push(...walk(full));
    } else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const files = walk(root).filter((f) => filters.length === 0 || filters.some((x) => relative(root, f).includes(x)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

(globalThis as any).UVU_DEFER = 1;
const uvu = await import('uvu');
let idx = 0;
for (const file of files) {
  (globalThis as any).UVU_INDEX = idx++;
  (globalThis as any).UVU_QUEUE.push([relative(root, file)]);
  await import(pathToFileURL(file).href);
}
await uvu.exec(false);
// Servers left open by a failing test must not keep CI hanging.
setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
