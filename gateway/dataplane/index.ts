// The data plane entry point: wires the listeners/matching/chain core to the upstream
// forwarder and the policy filters.
import type { Dataplane, DataplaneOptions } from './api.ts';
import { createDataplaneCore } from './listeners/core.ts';

export { DEFAULT_DRAIN_TIMEOUT_MS } from './listeners/core.ts';
import { createUpstreams, pickEndpoint } from './upstream/index.ts';
import { corsFilter } from './http/filters/cors.ts';
import { externalAuthFilter } from './http/filters/external-auth.ts';
import { mirrorFilter } from './http/filters/mirror.ts';
import { createRateLimits } from './ratelimit/index.ts';

export type { Dataplane, DataplaneOptions, ApplyResult, BoundSocket, ListenerFault } from './api.ts';
export type { AccessRecord, DataplaneObserver } from './observer.ts';

export function createDataplane(opts: DataplaneOptions = {}): Dataplane {
  const upstreams = createUpstreams({ observer: opts.observer, sessionKey: opts.sessionKey, resilience: opts.upstream });
  const rateLimits = createRateLimits(opts.rateLimit ?? {}, opts.observer);
  return createDataplaneCore(opts, {
    upstreams: {
      compileRule: (rule, hooks) => upstreams.compileRule(rule, hooks),
      retain(table) {
        upstreams.retain(table);
        rateLimits.retain(table);
      },
      async close() {
        await upstreams.close();
        await rateLimits.close();
      },
    },
    rateLimit: (ir) => rateLimits.filter(ir),
    pickEndpoint,
    cors: corsFilter,
    externalAuth: externalAuthFilter,
    mirror: mirrorFilter,
  });
}
