// The JWT of the benchmark's SecurityPolicy scenario: an ES256 key pair, its JWKS (the Secret the
// policy names) and a token valid for the run, signed as the policy requires.
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export const JWT_ISSUER = 'https://issuer.bench.example.com';
export const JWT_AUDIENCE = 'bench';
/** The header that selects the JWT-protected route (the catch-all stays unprotected). */
export const JWT_ROUTE_HEADER = 'x-bench-jwt';

export interface BenchJwt { jwks: string; token: string }

export async function benchJwt(): Promise<BenchJwt> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256' };
  const token = await new SignJWT({ scope: 'bench' }).setProtectedHeader({ alg: 'ES256', kid: 'bench' })
    .setIssuer(JWT_ISSUER).setAudience(JWT_AUDIENCE).setSubject('bench').setIssuedAt().setExpirationTime('6h').sign(privateKey);
  return { jwks: JSON.stringify({ keys: [jwk] }), token };
}
