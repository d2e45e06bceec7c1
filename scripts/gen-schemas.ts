// Reads the vendored Gateway API CRDs and writes the schemas the validator needs:
// gateway/translator/schema/crd-schemas.generated.json. The experimental channel is a superset of
// standard, so its schemas are what Portico validates against; the standard channel is read only
// to record its rule count (a drift check for upgrades). Run with `npm run gen:schemas`.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

const root = resolve(import.meta.dirname, '..');
export const outputPath = join(root, 'gateway/translator/schema/crd-schemas.generated.json');

interface Crd {
  kind: string;
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string };
    versions: { name: string; served: boolean; storage: boolean; schema: { openAPIV3Schema: unknown } }[];
  };
}

function readCrds(channel: string): Crd[] {
  const dir = join(root, 'crds', channel);
  const crds: Crd[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const obj = doc.toJS() as Crd | null;
      if (obj?.kind === 'CustomResourceDefinition') crds.push(obj);
    }
  }
  return crds.sort((a, b) => key(a).localeCompare(key(b)));
}

const key = (c: Crd) => `${c.spec.group}/${c.spec.names.kind}`;

// Descriptions are most of the CRD bytes and carry no validation; everything else is kept.
// Only the `description` keyword is dropped, never a property that happens to be named so.
function strip(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strip);
  if (schema === null || typeof schema !== 'object') return schema;
  const outObj: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'description' && typeof v === 'string') continue;
    if (k === 'properties' || k === 'patternProperties') {
      outObj[k] = Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, strip(s)]));
    } else if (k === 'default' || k === 'enum' || k === 'example') {
      outObj[k] = v;
    } else outObj[k] = strip(v);
  }
  return outObj;
}

interface Rule {
  rule: string;
}

function collectRules(schema: unknown, into: Rule[]): void {
  if (Array.isArray(schema)) return schema.forEach((s) => collectRules(s, into));
  if (schema === null || typeof schema !== 'object') return;
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'x-kubernetes-validations') into.push(...(v as Rule[]));
    else if (k !== 'default' && k !== 'enum') collectRules(v, into);
  }
}

// "How many CEL rules a channel has": distinct rule expressions per CRD across its served versions,
// not counting transition rules (they need oldSelf, i.e. an update, and are skipped by the validator).
// Repeated copies of one rule at several schema locations (e.g. every HTTPPathMatch) count once.
export function countRules(crds: Crd[]): number {
  let n = 0;
  for (const crd of crds) {
    const distinct = new Set<string>();
    for (const v of crd.spec.versions.filter((x) => x.served)) {
      const rules: Rule[] = [];
      collectRules(v.schema.openAPIV3Schema, rules);
      for (const r of rules) if (!/\boldSelf\b/.test(r.rule)) distinct.add(r.rule);
    }
    n += distinct.size;
  }
  return n;
}

/** The generated document, built in memory (a test compares it with the committed file). */
export function buildSchemas(): Record<string, unknown> {
  const experimental = readCrds('experimental');
  const standard = readCrds('standard');
  const kinds: Record<string, unknown> = {};
  // Portico's own policy CRDs (crds/portico, generated from their TypeScript types) are validated
  // the same way; they are not part of a Gateway API channel, so no rule count includes them.
  for (const crd of [...experimental, ...readCrds('portico')].sort((a, b) => key(a).localeCompare(key(b)))) {
    const versions: Record<string, unknown> = {};
    for (const v of [...crd.spec.versions].sort((a, b) => a.name.localeCompare(b.name))) {
      if (!v.served) continue;
      versions[v.name] = strip(v.schema.openAPIV3Schema);
    }
    kinds[key(crd)] = {
      group: crd.spec.group,
      kind: crd.spec.names.kind,
      plural: crd.spec.names.plural,
      scope: crd.spec.scope,
      storageVersion: crd.spec.versions.find((v) => v.storage)?.name,
      standardVersions: standard.find((s) => key(s) === key(crd))?.spec.versions.filter((v) => v.served).map((v) => v.name).sort() ?? [],
      versions,
    };
  }

  // Standard-channel rule texts, so a test can compile every rule of both channels: a few standard
  // rules differ from their experimental versions (e.g. parentRefs without `port`).
  const standardRules = new Set<string>();
  for (const crd of standard) {
    for (const v of crd.spec.versions.filter((x) => x.served)) {
      const rules: Rule[] = [];
      collectRules(v.schema.openAPIV3Schema, rules);
      for (const r of rules) standardRules.add(r.rule);
    }
  }

  const doc = {
    source: 'crds/experimental (Gateway API v1.6.1) and crds/portico, descriptions stripped; generated by scripts/gen-schemas.ts',
    ruleCounts: { standard: countRules(standard), experimental: countRules(experimental) },
    standardRules: [...standardRules].sort(),
    kinds,
  };
  return doc;
}

export const serialize = (doc: unknown) => JSON.stringify(doc, null, 1) + '\n';

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const doc = buildSchemas() as { kinds: object; ruleCounts: { standard: number; experimental: number } };
  writeFileSync(outputPath, serialize(doc));
  console.log(`wrote ${outputPath}: ${Object.keys(doc.kinds).length} kinds, rules standard=${doc.ruleCounts.standard} experimental=${doc.ruleCounts.experimental}`);
}
