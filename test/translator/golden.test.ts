// Golden translation cases: each test/translator/cases/<name>.in.yaml (Gateway API + core
// objects) is translated and { statuses, problems, table } compared with <name>.out.yaml.
// UPDATE_GOLDEN=1 rewrites the outputs: read the diff against the spec before committing it.
// In inputs, the strings PLACEHOLDER_CERT_PEM / PLACEHOLDER_KEY_PEM stand for a real PEM pair;
// in outputs, PEM text is shown as <PEM ...> so the files stay readable.
// Cases named pki-* also pass through the input stage's certificate checks (provider/pki.ts),
// as serve and `portico validate` do, at PKI_NOW (inside the placeholder's validity window);
// they may use the other PLACEHOLDER_* pairs of placeholder-pem.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromObjects, parseManifests } from '../../gateway/model/index.ts';
import { translate } from '../../gateway/translator/index.ts';
import { assertGolden } from '../helpers/golden.ts';
import { inspectPki } from '../../gateway/pki/certificates.ts';
import * as placeholders from './placeholder-pem.ts';

const { PLACEHOLDER_CERT_PEM, PLACEHOLDER_KEY_PEM } = placeholders;
const PEMS = new Map<string, string>(Object.entries(placeholders));

const DIR = join(import.meta.dirname, 'cases');
export const CONTROLLER = 'portico.dev/gateway-controller';
export const NOW = '2026-01-01T00:00:00Z';
const PKI_NOW = '2027-01-01T00:00:00Z';

function substitute(v: unknown): unknown {
  if (typeof v === 'string' && PEMS.has(v)) return PEMS.get(v);
  if (Array.isArray(v)) return v.map(substitute);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x)]));
  return v;
}

function redact(v: unknown): unknown {
  if (typeof v === 'string' && v.startsWith('-----BEGIN ')) {
    const labels = [...v.matchAll(/-----BEGIN ([A-Z ]+)-----/g)].map((m) => m[1]);
    const name = [...PEMS].find(([, pem]) => pem === v)?.[0];
    return `<PEM ${labels.join(', ')}${v === PLACEHOLDER_CERT_PEM || v === PLACEHOLDER_KEY_PEM ? ' (placeholder)' : name ? ` (${name})` : ''}>`;
  }
  if (Array.isArray(v)) return v.map(redact);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x)]));
  return v;
}

export function translateCase(name: string) {
  const text = readFileSync(join(DIR, `${name}.in.yaml`), 'utf8');
  const { objects, errors } = parseManifests(text, `${name}.in.yaml`);
  assert.equal(errors, [], `${name}.in.yaml parses`);
  const { snapshot, skipped } = fromObjects(substitute(objects) as unknown[]);
  assert.is(skipped, 0, `${name}.in.yaml holds only kinds the translator reads`);
  if (name.startsWith('pki-')) return translate(inspectPki(snapshot), { controllerName: CONTROLLER, now: PKI_NOW });
  return translate(snapshot, { controllerName: CONTROLLER, now: NOW });
}

const names = readdirSync(DIR).filter((f) => f.endsWith('.in.yaml')).map((f) => f.slice(0, -'.in.yaml'.length)).sort();
const s = suite('translator golden cases');
s('there are cases', () => assert.ok(names.length > 0));
for (const name of names) {
  s(name, () => {
    const { statuses, problems, table } = translateCase(name);
    assertGolden(`${name}.out`, redact({ statuses, problems, table }), DIR);
  });
}
s.run();
