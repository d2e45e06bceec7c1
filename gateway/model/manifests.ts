// Multi-document YAML text → decoded objects. Pure (no file access): providers read the files.
import { parseAllDocuments } from 'yaml';

export interface ManifestError {
  source: string;
  message: string;
  line?: number;
}

export function parseManifests(text: string, source = '<input>'): { objects: unknown[]; errors: ManifestError[] } {
  const objects: unknown[] = [];
  const errors: ManifestError[] = [];
  for (const doc of parseAllDocuments(text, { uniqueKeys: true })) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) errors.push({ source, message: e.message.split('\n')[0]!.replace(/:$/, ''), line: e.linePos?.[0]?.line });
      continue;
    }
    const value = doc.toJS({ maxAliasCount: 100 });
    if (value != null) objects.push(value);
  }
  return { objects, errors };
}
