// The data plane entry point: wires the listeners/matching/chain core to the upstream
// forwarder and the policy filters.
import type { Dataplane, DataplaneOptions } from './api.ts';
import { createDataplaneCore } from './listeners/core.ts';

export { DEFAULT_DRAIN_TIMEOUT_MS } from './listeners/core.ts';
import { createUpstreams, pickEndpoint } from './upstream/index.ts';
import { corsFilter } from './http/filters/cors.ts';
import { externalAuthFilter } from './http/filters/external-auth.ts';
import { mirrorFilter } from './http/filters/mirror.ts';

export type { Dataplane, DataplaneOptions, ApplyResult, BoundSocket, ListenerFault } from './api.ts';
export type { AccessRecord, DataplaneObserver } from './observer.ts';

export function createDataplane(opts: DataplaneOptions = {}): Dataplane {
  return createDataplaneCore(opts, {
    upstreams: createUpstreams({ observer: opts.observer, sessionKey: opts.sessionKey }),
    pickEndpoint,
    cors: corsFilter,
    externalAuth: externalAuthFilter,
    mirror: mirrorFilter,
  });
}
