// The routing table crosses a process boundary (control process → data-plane workers, structured
// clone over IPC): it must be plain data. Every golden translation case (listeners of every
// protocol, TLS with real certificates, filters, policies, session persistence...) is checked: only
// plain objects, arrays, strings, numbers, booleans, null and undefined; no functions, class
// instances, RegExp, Buffers or KeyObjects. And a structured clone of it is equal to it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromObjects, parseManifests } from '../../gateway/model/index.ts';
import { translate } from '../../gateway/translator/index.ts';
import { inspectPki } from '../../gateway/pki/certificates.ts';
import * as placeholders from '../translator/placeholder-pem.ts';

const DIR = join(import.meta.dirname, '../translator/cases');
const PEMS = new Map<string, string>(Object.entries(placeholders));

function substitute(v: unknown): unknown {
  if (typeof v === 'string' && PEMS.has(v)) return PEMS.get(v);
  if (Array.isArray(v)) return v.map(substitute);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x)]));
  return v;
}

/** The path of the first value that is not plain data, or undefined. */
export function notPlain(v: unknown, path = '$'): string | undefined {
  if (v === null || v === undefined) return undefined;
  const t = typeof v;
  if (t === 'string' || t === 'boolean' || (t === 'number' && Number.isFinite(v))) return undefined;
  if (t !== 'object') return `${path} is a ${t}`;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) { const p = notPlain(v[i], `${path}[${i}]`); if (p) return p; }
    return undefined;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return `${path} is a ${(v as object).constructor?.name ?? 'class instance'}`;
  for (const [k, x] of Object.entries(v as object)) { const p = notPlain(x, `${path}.${k}`); if (p) return p; }
  return undefined;
}

test('notPlain finds what structured clone would mangle or refuse', () => {
  assert.is(notPlain({ a: [1, 'x', null, { b: true }] }), undefined);
  assert.is(notPlain({ a: [/x/] }), '$.a[0] is a RegExp');
  assert.is(notPlain({ f: () => 1 }), '$.f is a function');
  assert.is(notPlain({ m: new Map() }), '$.m is a Map');
  assert.is(notPlain({ b: Buffer.from('x') }), '$.b is a Buffer');
});

const names = readdirSync(DIR).filter((f) => f.endsWith('.in.yaml')).map((f) => f.slice(0, -'.in.yaml'.length)).sort();

test('every golden case translates to a plain-data routing table that survives a structured clone', () => {
  assert.ok(names.length >= 40, `${names.length} cases`);
  let ports = 0;
  for (const name of names) {
    const { objects } = parseManifests(readFileSync(join(DIR, `${name}.in.yaml`), 'utf8'), `${name}.in.yaml`);
    const { snapshot } = fromObjects(substitute(objects) as unknown[]);
    const { table } = translate(name.startsWith('pki-') ? inspectPki(snapshot) : snapshot, { controllerName: 'portico.dev/gateway-controller', now: '2027-01-01T00:00:00Z' });
    assert.is(notPlain(table), undefined, `${name}: ${notPlain(table)}`);
    assert.equal(structuredClone(table), table, name);
    ports += table.gateways.reduce((n, g) => n + g.ports.length, 0);
  }
  assert.ok(ports >= 40, `the cases cover ${ports} ports`);
});

test.run();
