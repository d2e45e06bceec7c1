// SecurityPolicy (policy.portico.dev/v1alpha1): authentication and authorization attached to a
// Gateway, a listener, a route or a route rule. The section types are the model's (the CRD is
// generated from them), so the construct and the gateway read one definition.
import { Construct } from 'constructs';
import type {
  APIKeyAuthentication, Authorization, BasicAuthentication, ExternalAuthorization, JWTAuthentication, OIDCAuthentication, SecuritySection,
} from '../../gateway/model/index.ts';
import { compact } from '../base.ts';
import { AttachedPolicy, AttachedPolicyProps } from './attached-policy.ts';

export type {
  APIKeyAuthentication, Authorization, AuthorizationRule, BasicAuthentication, ClaimMatch, ExternalAuthorization, JWTAuthentication,
  JWTProvider, OIDCAuthentication, RemoteEndpoint, SecretKeyReference, SecuritySection,
} from '../../gateway/model/index.ts';

export interface SecurityPolicyProps extends AttachedPolicyProps {
  /** Sections inherited from a less specific level turned off here (e.g. a public route under a Gateway-wide jwt). @default - none */
  readonly disable?: SecuritySection[];
  /** @default - none */
  readonly jwt?: JWTAuthentication;
  /** @default - none */
  readonly oidc?: OIDCAuthentication;
  /** @default - none */
  readonly basicAuth?: BasicAuthentication;
  /** @default - none */
  readonly apiKeyAuth?: APIKeyAuthentication;
  /** Gateway or listener targets only. @default - none */
  readonly extAuth?: ExternalAuthorization;
  /** @default - none */
  readonly authorization?: Authorization;
}

/** Declares a SecurityPolicy. */
export class SecurityPolicy extends AttachedPolicy {
  public readonly kind = 'SecurityPolicy';

  public constructor(scope: Construct, id: string, props: SecurityPolicyProps) {
    const sections = { jwt: props.jwt, oidc: props.oidc, basicAuth: props.basicAuth, apiKeyAuth: props.apiKeyAuth, extAuth: props.extAuth, authorization: props.authorization };
    const set = Object.entries(sections).filter(([, v]) => v !== undefined).map(([k]) => k);
    if (set.length === 0 && !props.disable?.length) {
      throw new Error(`securityPolicy ${id}: sets no section; pass jwt, oidc, basicAuth, apiKeyAuth, extAuth or authorization, or disable inherited ones`);
    }
    const both = set.filter((s) => props.disable?.includes(s as SecuritySection));
    if (both.length) throw new Error(`securityPolicy ${id}: ${both.join(', ')} both set and disabled; remove one of them`);
    if (props.extAuth && props.targets.some((t) => t.kind === 'HTTPRoute' || t.kind === 'GRPCRoute')) {
      throw new Error(`securityPolicy ${id}: extAuth targets a route; extAuth is for Gateway or listener targets (use the route's ExternalAuth filter instead)`);
    }
    super(scope, id, 'SecurityPolicy', props, () => compact({ ...(props.disable?.length ? { disable: props.disable } : {}), ...sections }));
  }
}
