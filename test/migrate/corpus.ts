// The fixture corpus (test/migrate/fixtures) as parsed objects, in file order.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const FIXTURES = resolve(import.meta.dirname, 'fixtures');

export function fixtureObjects(): unknown[] {
  return readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(FIXTURES, f), 'utf8')).map((d) => d.toJS()).filter((o) => o));
}
