// The platform's security baseline: every HTTP route on the public Gateway needs a JWT from the
// company's issuer unless the route's own policy turns that off (the shop's storefront is public).
// In a cluster the JWKS Secret comes from the identity team; `npm start` makes a demo key pair,
// writes the Secret next to the manifests and prints a token signed with it.
import { Gateway, Platform, PolicyTarget, SecurityPolicy } from '../../constructs/index.ts';

export const DEMO_ISSUER = 'https://auth.example.com';
export const DEMO_AUDIENCE = 'portico-demo';
export const DEMO_JWKS_SECRET = 'demo-jwks';

export function addSecurityBaseline(platform: Platform, gateway: Gateway): SecurityPolicy {
  return new SecurityPolicy(platform, 'require-jwt', {
    metadata: { name: 'require-jwt' },
    targets: [PolicyTarget.of(gateway)],
    jwt: {
      providers: [{
        name: 'company', issuer: DEMO_ISSUER, audiences: [DEMO_AUDIENCE], jwks: { secretRef: { name: DEMO_JWKS_SECRET } },
        clockSkew: '30s', claimToHeaders: [{ claim: 'sub', header: 'x-user' }],
      }],
    },
  });
}
