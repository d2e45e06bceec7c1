// Golden-file assertions for uvu: compare a value's YAML (or a string as-is) with
// <dir>/<name>.yaml. Run with UPDATE_GOLDEN=1 to (re)write the files after reviewing the change.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { stringify } from 'yaml';

/** YAML text for a value: strings are taken verbatim, arrays become a multi-document stream. */
export function toGoldenText(value: unknown): string {
  if (typeof value === 'string') return value.endsWith('\n') ? value : `${value}\n`;
  if (Array.isArray(value)) return value.map((v) => stringify(v, { lineWidth: 0 })).join('---\n');
  return stringify(value, { lineWidth: 0 });
}

/** Asserts that `value` renders to the golden file `<dir>/<name>.<ext>` (Markdown goldens use ext "md"). */
export function assertGolden(name: string, value: unknown, dir: string, ext = 'yaml'): void {
  const file = join(dir, `${name}.${ext}`);
  const actual = toGoldenText(value);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) {
    assert.unreachable(`golden file ${file} is missing; run with UPDATE_GOLDEN=1 to create it`);
  }
  assert.fixture(actual, readFileSync(file, 'utf8'), `output differs from ${file} (UPDATE_GOLDEN=1 rewrites it)`);
}
