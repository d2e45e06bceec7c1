// Argo CD sync order and options for what GatewayRuntime emits: the CRDs first (and never pruned
// or deleted: a pruned CRD deletes every route), then the gateway itself, then the GatewayClass
// and Gateways; routes keep the default wave 0 and so come last.
import { ApiObject } from 'cdk8s';

export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
export const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';

export const SyncWave = {
  CRDS: '-3',
  RUNTIME: '-2',
  GATEWAYS: '-1',
} as const;

/** CRDs are too large for client-side apply (the HTTPRoute CRD is ~429 KB) and must outlive the app. */
export const CRD_SYNC_OPTIONS = 'ServerSideApply=true,Prune=false,Delete=false';

export function setSyncWave(obj: ApiObject, wave: string): void {
  obj.metadata.addAnnotation(SYNC_WAVE, wave);
}
