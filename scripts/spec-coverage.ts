// The spec coverage table: every field path of the vendored Gateway API v1.6.1 CRDs (standard and
// experimental channels) and every condition type and reason the API defines, joined with the
// reviewed facts in docs/spec-coverage.facts.yaml (where each is implemented and tested, or that it
// is not supported and what the gateway then reports). `npm run spec-coverage` writes
// docs/spec-coverage.md; `-- --check` exits non-zero when the committed table is stale or a fact is
// missing, names a file that does not exist, or names a test that its file does not contain.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

const ROOT = resolve(import.meta.dirname, '..');
export const TABLE_PATH = join(ROOT, 'docs/spec-coverage.md');
export const FACTS_PATH = join(ROOT, 'docs/spec-coverage.facts.yaml');
const CONDITIONS_PATH = join(ROOT, 'crds/conditions.yaml');

/** The kinds the audit covers, in table order. */
export const KINDS = [
  'GatewayClass', 'Gateway', 'ListenerSet', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute',
  'ReferenceGrant', 'BackendTLSPolicy', 'XBackendTrafficPolicy',
] as const;

export interface Field { kind: string; path: string; channels: string[]; version: string }

/** Every property path under spec and status of each kind's storage version; `[]` marks list items. */
export function crdFields(root = ROOT): Field[] {
  const byKey = new Map<string, Field>();
  for (const channel of ['standard', 'experimental']) {
    const dir = join(root, 'crds', channel);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
        const crd = doc.toJS() as any;
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        const kind = crd.spec.names.kind as string;
        if (!(KINDS as readonly string[]).includes(kind)) continue;
        const version = crd.spec.versions.find((v: any) => v.storage) ?? crd.spec.versions[0];
        const schema = version.schema.openAPIV3Schema;
        const walk = (s: any, path: string) => {
          if (s?.items?.properties) return walk(s.items, `${path}[]`);
          for (const [name, child] of Object.entries<any>(s?.properties ?? {})) {
            const p = path ? `${path}.${name}` : name;
            const k = `${kind} ${p}`;
            const f: Field = byKey.get(k) ?? { kind, path: p, channels: [], version: version.name };
            if (!f.channels.includes(channel)) f.channels.push(channel);
            byKey.set(k, f);
            walk(child, p);
          }
        };
        for (const top of ['spec', 'status']) if (schema.properties?.[top]) walk({ properties: { [top]: schema.properties[top] } }, '');
      }
    }
  }
  const order = (k: string) => (KINDS as readonly string[]).indexOf(k);
  // Schema order within a kind (the CRD's own order reads like the API reference).
  return [...byKey.values()].sort((a, b) => order(a.kind) - order(b.kind));
}

export interface ConditionEntry { family: string; where: string; what: 'type' | 'reason'; name: string; deprecated: boolean }

export function apiConditions(path = CONDITIONS_PATH): ConditionEntry[] {
  const doc = parse(readFileSync(path, 'utf8')) as Record<string, { where: string; types: string[]; reasons: string[] }>;
  const out: ConditionEntry[] = [];
  for (const [family, v] of Object.entries(doc)) {
    for (const what of ['type', 'reason'] as const) {
      for (const raw of what === 'type' ? v.types : v.reasons) {
        const deprecated = raw.endsWith(' (deprecated)');
        out.push({ family, where: v.where, what, name: raw.replace(' (deprecated)', ''), deprecated });
      }
    }
  }
  return out;
}

export type Status = 'implemented' | 'partial' | 'not implemented' | 'unsupported' | 'not applicable';
const STATUSES: Status[] = ['implemented', 'partial', 'not implemented', 'unsupported', 'not applicable'];

/**
 * One reviewed fact. `impl`: files that implement it. `tests`: "path" (a golden case, a conformance
 * case in test/conformance/cases) or "path: test name" (the name must occur in that file).
 * `note`: for `unsupported`, what the gateway reports (condition and reason); otherwise any caveat.
 */
export interface Fact { status: Status; impl?: string[]; tests?: string[]; note?: string }

export interface Facts {
  fields: Record<string, Record<string, Fact>>;
  conditions: Record<string, Record<string, Fact>>;
}

export function loadFacts(path = FACTS_PATH): Facts {
  return parse(readFileSync(path, 'utf8'), { merge: true, maxAliasCount: -1 }) as Facts;
}

/**
 * The fact for a field: an exact entry, else the entry `<ancestor>.**` (or `<path>.**`) of the
 * nearest ancestor. A subtree entry covers the field itself and everything below it.
 */
export function factFor(facts: Facts, kind: string, path: string): { key: string; fact: Fact } | undefined {
  const entries = facts.fields[kind] ?? {};
  if (entries[path]) return { key: path, fact: entries[path] };
  let p = path;
  while (p) {
    p = p.replace(/\[\]$/, ''); // `a.b[]` is covered by `a.b.**`
    const k = `${p}.**`;
    if (entries[k]) return { key: k, fact: entries[k] };
    const cut = p.lastIndexOf('.');
    p = cut < 0 ? '' : p.slice(0, cut);
  }
  return undefined;
}

const conditionKey = (c: ConditionEntry) => `${c.what} ${c.name}`;

/** Everything that makes the table lie or go stale; empty when the facts hold. */
export function problems(facts: Facts, fields = crdFields(), conditions = apiConditions(), root = ROOT): string[] {
  const out: string[] = [];
  const used = new Set<string>();
  for (const f of fields) {
    const hit = factFor(facts, f.kind, f.path);
    if (!hit) out.push(`${f.kind} ${f.path}: no fact (add it, or a subtree entry, to docs/spec-coverage.facts.yaml)`);
    else used.add(`${f.kind} ${hit.key}`);
  }
  for (const [kind, entries] of Object.entries(facts.fields ?? {})) {
    if (!(KINDS as readonly string[]).includes(kind)) out.push(`fields.${kind}: not a kind of the audit`);
    for (const key of Object.keys(entries)) if (!used.has(`${kind} ${key}`)) out.push(`fields.${kind}["${key}"]: matches no CRD field (stale)`);
  }
  for (const c of conditions) {
    if (!facts.conditions?.[c.family]?.[conditionKey(c)]) out.push(`conditions.${c.family}["${conditionKey(c)}"]: no fact`);
  }
  for (const [family, entries] of Object.entries(facts.conditions ?? {})) {
    for (const key of Object.keys(entries)) {
      if (!conditions.some((c) => c.family === family && conditionKey(c) === key)) out.push(`conditions.${family}["${key}"]: the API defines no such condition (stale)`);
    }
  }
  const all: [string, Fact][] = [
    ...Object.entries(facts.fields ?? {}).flatMap(([k, e]) => Object.entries(e).map(([p, f]) => [`fields.${k}["${p}"]`, f] as [string, Fact])),
    ...Object.entries(facts.conditions ?? {}).flatMap(([k, e]) => Object.entries(e).map(([p, f]) => [`conditions.${k}["${p}"]`, f] as [string, Fact])),
  ];
  const fileText = new Map<string, string | undefined>();
  const read = (p: string) => {
    if (!fileText.has(p)) fileText.set(p, existsSync(join(root, p)) ? readFileSync(join(root, p), 'utf8') : undefined);
    return fileText.get(p);
  };
  for (const [where, f] of all) {
    if (!STATUSES.includes(f.status)) out.push(`${where}: status must be one of ${STATUSES.join(', ')}`);
    if ((f.status === 'implemented' || f.status === 'partial') && !f.impl?.length) out.push(`${where}: ${f.status} but no impl file`);
    if (f.status === 'implemented' && !f.tests?.length) out.push(`${where}: implemented but no test`);
    if ((f.status === 'unsupported' || f.status === 'not implemented' || f.status === 'partial') && !f.note) out.push(`${where}: ${f.status} needs a note (what the gateway reports)`);
    for (const file of f.impl ?? []) if (read(file) === undefined) out.push(`${where}: impl file ${file} does not exist`);
    for (const t of f.tests ?? []) {
      const i = t.indexOf(': ');
      const file = i < 0 ? t : t.slice(0, i);
      const name = i < 0 ? undefined : t.slice(i + 2);
      if (file.startsWith('test/conformance/') && file.endsWith('.json') && !file.startsWith('test/conformance/cases/')) out.push(`${where}: ${file} is not a conformance case CI runs (test/conformance/cases/)`);
      const text = read(file);
      if (text === undefined) { out.push(`${where}: test file ${file} does not exist`); continue; }
      if (name !== undefined && !text.includes(name)) out.push(`${where}: test "${name}" does not occur in ${file}`);
    }
  }
  return out;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s: string) => `\`${s}\``;
const testCell = (ts: string[] | undefined) => (ts ?? []).map((t) => {
  const i = t.indexOf(': ');
  return i < 0 ? code(t) : `${code(t.slice(0, i))} "${cell(t.slice(i + 2))}"`;
}).join('<br>');

export function render(facts: Facts, fields = crdFields(), conditions = apiConditions()): string {
  const lines: string[] = [
    '# Gateway API v1.6.1 spec coverage',
    '',
    '<!-- Generated by `npm run spec-coverage` from crds/ and docs/spec-coverage.facts.yaml: edit the facts, not this file. -->',
    '',
    'Every field of the vendored CRDs (`crds/standard`, `crds/experimental`; the storage version of each kind) and',
    'every condition type and reason the API defines (`crds/conditions.yaml`), with where Portico implements it,',
    'which test shows it, or that it is not supported and what the gateway then reports. A subtree fact',
    '(`path.**` in the facts file) covers a field and everything below it. Status values: *implemented*;',
    '*partial* (the note says what is missing); *not implemented* (a gap in a feature Portico otherwise',
    'supports); *unsupported* (a feature Portico does not claim; the note names the condition it reports);',
    '*not applicable* (nothing for a data plane to do, e.g. a field only a provisioner or another implementation reads).',
    '',
  ];
  const tally = new Map<Status, number>();
  for (const f of fields) { const s = factFor(facts, f.kind, f.path)?.fact.status; if (s) tally.set(s, (tally.get(s) ?? 0) + 1); }
  lines.push(`Fields: ${fields.length} (${STATUSES.filter((s) => tally.get(s)).map((s) => `${tally.get(s)} ${s}`).join(', ')}).`, '');
  lines.push('Contents: ' + [...KINDS.map((k) => `[${k}](#${k.toLowerCase()})`), '[Conditions](#conditions)'].join(' · '), '');
  for (const kind of KINDS) {
    const rows = fields.filter((f) => f.kind === kind);
    if (rows.length === 0) continue;
    lines.push(`## ${kind}`, '', `Storage version ${rows[0].version}.`, '', '| Field | Channel | Status | Implemented in | Tested by | Note |', '|---|---|---|---|---|---|');
    for (const f of rows) {
      const hit = factFor(facts, f.kind, f.path);
      const fact = hit?.fact;
      const channel = f.channels.includes('standard') ? 'standard' : 'experimental';
      const inherited = hit && hit.key !== f.path && hit.key !== `${f.path}.**` ? ` (as ${code(hit.key.replace(/\.\*\*$/, ''))})` : '';
      lines.push(`| ${code(f.path)} | ${channel} | ${fact?.status ?? '**no fact**'}${inherited} | ${(fact?.impl ?? []).map(code).join('<br>')} | ${inherited ? '' : testCell(fact?.tests)} | ${inherited ? '' : cell(fact?.note ?? '')} |`);
    }
    lines.push('');
  }
  lines.push('## Conditions', '');
  for (const family of [...new Set(conditions.map((c) => c.family))]) {
    const rows = conditions.filter((c) => c.family === family);
    lines.push(`### ${family}`, '', `${rows[0].where}.`, '', '| Type / reason | Status | Set in | Tested by | Note |', '|---|---|---|---|---|');
    for (const c of rows) {
      const fact = facts.conditions?.[family]?.[conditionKey(c)];
      lines.push(`| ${c.what} ${code(c.name)}${c.deprecated ? ' (deprecated)' : ''} | ${fact?.status ?? '**no fact**'} | ${(fact?.impl ?? []).map(code).join('<br>')} | ${testCell(fact?.tests)} | ${cell(fact?.note ?? '')} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('spec-coverage.ts')) {
  const check = process.argv.includes('--check');
  const facts = loadFacts();
  const errs = problems(facts);
  const table = render(facts);
  if (check) {
    const stale = !existsSync(TABLE_PATH) || readFileSync(TABLE_PATH, 'utf8') !== table;
    for (const e of errs) console.error(e);
    if (stale) console.error(`${TABLE_PATH} is stale: run npm run spec-coverage`);
    process.exit(errs.length > 0 || stale ? 1 : 0);
  }
  writeFileSync(TABLE_PATH, table);
  for (const e of errs) console.error(e);
  console.log(`wrote ${TABLE_PATH}${errs.length ? ` (${errs.length} problems)` : ''}`);
  process.exit(errs.length > 0 ? 1 : 0);
}
