// Reads a platform's tenants file (`portico validate --tenants FILE`).
import { readFileSync } from 'node:fs';
import { parseManifests } from '../../model/index.ts';
import type { Problem } from '../../translator/api.ts';
import { parseTenantSet, type TenantSetDocument } from '../../validate/tenant-set.ts';
import { parseProblems } from './index.ts';

export function readTenantSetFile(path: string): { tenantSet?: TenantSetDocument; problems: Problem[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { problems: [{ severity: 'error', ref: { group: '', kind: 'File', name: path }, field: '', reason: 'NotFound', message: (err as Error).message, fix: 'fetch or vendor the platform\'s tenants file and pass its path to --tenants' }] };
  }
  const { objects, errors } = parseManifests(text, path);
  if (errors.length > 0) return { problems: parseProblems(path, errors) };
  if (objects.length !== 1) return parseTenantSet(undefined, path);
  return parseTenantSet(objects[0], path);
}
