// TrafficPolicy (policy.portico.dev/v1alpha1): rate limits, request body limits, compression,
// direct and override responses, circuit breaking, health checks and load balancing attached to a
// Gateway, a listener, a route or a route rule. The section types are the model's (the CRD is
// generated from them), so the construct and the gateway read one definition.
import { Construct } from 'constructs';
import type {
  CircuitBreakerSpec, CompressionSpec, CustomResponse, HealthCheckSpec, LoadBalancerSpec, RateLimitSpec, RequestBodySpec,
  ResponseOverride, TrafficPolicySection,
} from '../../gateway/model/index.ts';
import { compact } from '../base.ts';
import { AttachedPolicy, AttachedPolicyProps } from './attached-policy.ts';

export type {
  ActiveHealthCheckSpec, CircuitBreakerSpec, CompressionSpec, ConsistentHashCookieSpec, CustomResponse, HealthCheckSpec, LoadBalancerSpec, PassiveHealthCheckSpec,
  RateLimitRule, RateLimitSelector, RateLimitSpec, RequestBodySpec, ResponseOverride, StatusCodeMatch, TrafficPolicySection,
} from '../../gateway/model/index.ts';

export interface TrafficPolicyProps extends AttachedPolicyProps {
  /** Sections inherited from a less specific level turned off here. @default - none */
  readonly disable?: TrafficPolicySection[];
  /** Local (per process) and global (Redis, shared by replicas) rate limits. @default - none */
  readonly rateLimit?: RateLimitSpec;
  /** `{ maxSize: '10Mi' }`: larger bodies are answered 413. @default - the gateway's and listener's limit */
  readonly requestBody?: RequestBodySpec;
  /** @default - responses are sent as the backend sent them */
  readonly compression?: CompressionSpec;
  /** Answer every request with this; nothing is forwarded. @default - none */
  readonly directResponse?: CustomResponse;
  /** Custom error pages: replace answers whose status matches. @default - none */
  readonly responseOverride?: ResponseOverride[];
  /** @default - the gateway's defaults */
  readonly circuitBreaker?: CircuitBreakerSpec;
  /** @default - passive outlier detection with the gateway's defaults, no active checks */
  readonly healthCheck?: HealthCheckSpec;
  /** @default - round robin */
  readonly loadBalancer?: LoadBalancerSpec;
}

const SIZE = /^[0-9]+(\.[0-9]+)?([KMGT]i?|[kmgt])?$/;

/** Declares a TrafficPolicy. */
export class TrafficPolicy extends AttachedPolicy {
  public readonly kind = 'TrafficPolicy';

  public constructor(scope: Construct, id: string, props: TrafficPolicyProps) {
    const sections = {
      rateLimit: props.rateLimit, requestBody: props.requestBody, compression: props.compression, directResponse: props.directResponse,
      responseOverride: props.responseOverride, circuitBreaker: props.circuitBreaker, healthCheck: props.healthCheck, loadBalancer: props.loadBalancer,
    };
    const set = Object.entries(sections).filter(([, v]) => v !== undefined).map(([k]) => k);
    if (set.length === 0 && !props.disable?.length) {
      throw new Error(`trafficPolicy ${id}: sets no section; pass rateLimit, requestBody, compression, directResponse, responseOverride, circuitBreaker, healthCheck or loadBalancer, or disable inherited ones`);
    }
    const both = set.filter((s) => props.disable?.includes(s as TrafficPolicySection));
    if (both.length) throw new Error(`trafficPolicy ${id}: ${both.join(', ')} both set and disabled; remove one of them`);
    if (props.rateLimit && !props.rateLimit.local && !props.rateLimit.global) {
      throw new Error(`trafficPolicy ${id}: rateLimit sets neither local nor global; add rateLimit.global (shared through Redis) or rateLimit.local (per process)`);
    }
    if (props.requestBody && !SIZE.test(props.requestBody.maxSize)) {
      throw new Error(`trafficPolicy ${id}: requestBody.maxSize "${props.requestBody.maxSize}" is not a size; write a quantity such as 10Mi, 512Ki or 1000000`);
    }
    if (props.loadBalancer?.type === 'ConsistentHash' && !props.loadBalancer.consistentHash) {
      throw new Error(`trafficPolicy ${id}: loadBalancer ConsistentHash without consistentHash; set consistentHash.type to Header, Cookie or SourceIP`);
    }
    super(scope, id, 'TrafficPolicy', props, () => compact({ ...(props.disable?.length ? { disable: props.disable } : {}), ...sections }));
  }
}
