// Prints translate() of the manifests named on the command line as one JSON line, so the
// Deno test can compare the pure translator's output under Deno and Node byte for byte.
// Plain globals only (no runtime seam): it must run the same under both without flags.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { parseManifests } from '../../gateway/model/manifests.ts';
import { fromObjects, sortSnapshot } from '../../gateway/model/snapshot.ts';
import { translate } from '../../gateway/translator/index.ts';

function yamlFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).sort().filter((n) => /\.ya?ml$/.test(n)).map((n) => join(path, n));
}

const objects: unknown[] = [];
for (const file of process.argv.slice(2).flatMap(yamlFiles)) {
  const parsed = parseManifests(readFileSync(file, 'utf8'), file);
  if (parsed.errors.length > 0) throw new Error(`${file}: ${JSON.stringify(parsed.errors)}`);
  objects.push(...parsed.objects);
}
const { snapshot } = fromObjects(objects);
const result = translate(sortSnapshot(snapshot), { controllerName: 'portico.dev/gateway-controller', now: '2026-01-01T00:00:00Z' });
process.stdout.write(JSON.stringify(result) + '\n');
