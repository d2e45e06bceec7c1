// SecurityPolicy as a policy kind of the generic attachment module: its sections, where they may
// be set (extAuth only at Gateway or listener scope), and how each compiles. Invalid sections fail
// closed: a rule they apply to answers 500 rather than serve without the check.
import { POLICY_GROUP } from '../../../model/index.ts';
import type { PolicyDescriptor, SectionResult } from '../descriptor.ts';
import { securityReferences } from './references.ts';
import { SectionError } from '../references.ts';
import { compileAuthorization } from './authorization.ts';
import { compileApiKeyAuth, compileBasicAuth } from './credentials.ts';
import { compileExtAuth } from './ext-auth.ts';
import { compileJwt } from './jwt.ts';
import { compileOidc } from './oidc.ts';

export const SECURITY_SECTIONS = ['jwt', 'oidc', 'basicAuth', 'apiKeyAuth', 'extAuth', 'authorization'] as const;

export const securityPolicyDescriptor: PolicyDescriptor = {
  kind: 'SecurityPolicy',
  group: POLICY_GROUP,
  list: (s) => s.securityPolicies as any,
  irKey: 'security',
  sections: SECURITY_SECTIONS,
  levels: { extAuth: ['Gateway', 'Listener'] },
  failClosed: { status: 500, reason: 'InvalidSecurityPolicy' },
  references: securityReferences,
  compile(env, policy, section, value, field): SectionResult {
    try {
      switch (section) {
        case 'jwt': return { ir: compileJwt(env, policy, value as any, field) };
        case 'oidc': return { ir: compileOidc(env, policy, value as any, field) };
        case 'basicAuth': return { ir: compileBasicAuth(env, policy, value as any, field) };
        case 'apiKeyAuth': return { ir: compileApiKeyAuth(env, policy, value as any, field) };
        case 'extAuth': return { ir: compileExtAuth(env, policy, value as any, field) };
        case 'authorization': return { ir: compileAuthorization(value as any, field) };
        default: throw new SectionError(field, `unknown section ${section}`, 'remove it');
      }
    } catch (e) {
      if (!(e instanceof SectionError)) throw e;
      return { problem: { type: 'Accepted', status: false, reason: 'Invalid', field: e.field, message: `${e.field}: ${e.message}`, fix: e.fix } };
    }
  },
};
