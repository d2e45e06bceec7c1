// The demo identity provider for `npm start`: an ES256 key pair made at start (never written to
// git), its public JWKS as the Secret the platform's SecurityPolicy names, and a token signed
// with it (issuer and audience as the policy requires, valid for an hour).
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { Secret } from '../gateway/model/index.ts';
import { PLATFORM_NAMESPACE } from './platform/gateway.ts';
import { DEMO_AUDIENCE, DEMO_ISSUER, DEMO_JWKS_SECRET } from './platform/security.ts';

export interface DemoJwt { secret: Secret; token: string }

export async function demoJwt(): Promise<DemoJwt> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'demo', alg: 'ES256', use: 'sig' };
  const token = await new SignJWT({ scope: 'shop' }).setProtectedHeader({ alg: 'ES256', kid: 'demo' })
    .setIssuer(DEMO_ISSUER).setAudience(DEMO_AUDIENCE).setSubject('demo-user').setIssuedAt().setExpirationTime('1h').sign(privateKey);
  const secret: Secret = {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: DEMO_JWKS_SECRET, namespace: PLATFORM_NAMESPACE }, type: 'Opaque',
    stringData: { 'jwks.json': JSON.stringify({ keys: [jwk] }) },
  };
  return { secret, token };
}
