// The shapes the pipeline consumes and publishes. Providers implement Provider; the admin
// server and the metrics read PipelineState.
import type { Snapshot } from '../model/index.ts';
import type { RoutingTable } from '../ir/index.ts';
import type { Problem, ResourceStatus, TranslateOptions, TranslateResult } from '../translator/api.ts';
import type { ApplyResult, Dataplane } from '../dataplane/api.ts';
import type { AddressAssigner } from './addresses.ts';

export interface ProviderUpdate {
  snapshot: Snapshot;
  /** Problems found before translation (unparseable files, missing paths...). */
  problems: Problem[];
  /** Where each object came from ("group/Kind/ns/name" → file), when the provider knows. */
  sources?: Map<string, string>;
}

export interface Provider {
  /** Delivers the first snapshot, then one per change. */
  start(onUpdate: (update: ProviderUpdate) => void): Promise<void>;
  close(): Promise<void>;
  /** Write status back where it belongs (a cluster); file/memory providers have nowhere to. */
  writeStatus?(statuses: ResourceStatus[], snapshot: Snapshot): Promise<void>;
}

export interface PipelineState {
  /** Counts successfully applied configs, from 1. */
  generation: number;
  appliedAt: string;
  /** Whole update: translate, addresses, apply, status. */
  reloadMs: number;
  /** translate() alone. */
  translateMs?: number;
  /** dataplane.apply() alone (compile and swap, sockets opened or closed). */
  applyMs?: number;
  snapshot: Snapshot;
  table: RoutingTable;
  statuses: ResourceStatus[];
  problems: Problem[];
  apply: ApplyResult;
  sources?: Map<string, string>;
}

export interface PipelineOptions {
  provider: Provider;
  dataplane: Pick<Dataplane, 'apply'>;
  translate: (snapshot: Snapshot, opts: TranslateOptions) => TranslateResult;
  translateOptions: Omit<TranslateOptions, 'now'>;
  /**
   * With an incremental translator (translator/incremental.ts): statuses of its last result that
   * equal the previous translation's but for "now" times, so status stabilization can reuse them.
   */
  unchangedStatus?: (status: ResourceStatus) => boolean;
  addresses: AddressAssigner;
  now: () => string;
  publish: (state: PipelineState) => void;
  onError?: (stage: string, err: unknown) => void;
  /** "namespace/name" of the Service in front of the gateway: its address is the Gateways' status.addresses. */
  publishService?: string;
}

export interface Pipeline {
  /** Resolves once every update received so far has been processed (tests, readiness). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}
