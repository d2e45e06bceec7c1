// The vendored Gateway API v1.6.1 CRDs (crds/standard or crds/experimental of this package) as
// objects of a chart, annotated for Argo CD: server-side apply, never pruned or deleted, first wave.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { CRD_SYNC_OPTIONS, SYNC_OPTIONS, setSyncWave, SyncWave } from './argocd.ts';

/** Which Gateway API release channel to install. */
export enum GatewayApiChannel {
  /** The standard channel (GA and beta fields only). */
  STANDARD = 'standard',
  /** The experimental channel (adds retry, sessionPersistence, ExternalAuth, XBackendTrafficPolicy...). */
  EXPERIMENTAL = 'experimental',
}

/** crds/ of this package, found from this file in the sources (constructs/runtime) and in build/. */
function crdRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'crds', 'standard'))) return join(dir, 'crds');
    dir = dirname(dir);
  }
  throw new Error('cannot find the crds/ directory of the portico package; reinstall it');
}

/** Creates one ApiObject per document of every CRD file of the channel, in file order. */
export function addGatewayApiCrds(scope: Construct, channel: GatewayApiChannel): ApiObject[] {
  return addCrdDir(scope, join(crdRoot(), channel));
}

/** Portico's own policy CRDs (crds/portico: SecurityPolicy ...), generated from their TypeScript types. */
export function addPorticoPolicyCrds(scope: Construct): ApiObject[] {
  return addCrdDir(scope, join(crdRoot(), 'portico'));
}

function addCrdDir(scope: Construct, dir: string): ApiObject[] {
  const out: ApiObject[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const manifest = doc.toJS();
      if (!manifest?.kind) continue;
      const obj = new ApiObject(scope, `${manifest.kind}-${manifest.metadata.name}`, manifest);
      setSyncWave(obj, SyncWave.CRDS);
      obj.metadata.addAnnotation(SYNC_OPTIONS, CRD_SYNC_OPTIONS);
      out.push(obj);
    }
  }
  return out;
}
