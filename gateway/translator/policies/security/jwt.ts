// SecurityPolicy spec.jwt → JwtIR. The JWKS is checked for shape here (a JSON object with keys);
// the data plane imports the keys with jose.
import type { JwtIR, JwtProviderIR } from '../../../ir/index.ts';
import type { JWTAuthentication } from '../../../model/index.ts';
import { parseDuration } from '../../durations.ts';
import type { CompileEnv, PolicyObject } from '../descriptor.ts';
import { remoteDocument, secretValue, SectionError } from '../references.ts';
import { headerName } from './names.ts';

export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'PS256', 'EdDSA'];

export function compileJwt(env: CompileEnv, policy: PolicyObject, v: JWTAuthentication, field: string): JwtIR {
  const providers = v.providers ?? [];
  if (providers.length === 0) throw new SectionError(`${field}.providers`, 'at least one provider is required', 'add a provider with issuer and jwks');
  const names = new Set<string>();
  return {
    optional: v.optional === true,
    providers: providers.map((p, i): JwtProviderIR => {
      const f = `${field}.providers[${i}]`;
      if (names.has(p.name)) throw new SectionError(`${f}.name`, `provider name "${p.name}" is used twice`, 'give each provider its own name');
      names.add(p.name);
      const jwks = p.jwks ?? {};
      if (!!jwks.secretRef === !!jwks.remote) throw new SectionError(`${f}.jwks`, 'set exactly one of secretRef and remote', `set ${f}.jwks.secretRef to a Secret holding the JWKS, or ${f}.jwks.remote`);
      let source: JwtProviderIR['jwks'];
      if (jwks.secretRef) {
        const text = secretValue(env, policy, jwks.secretRef, 'jwks.json', `${f}.jwks.secretRef`);
        let doc: any;
        try { doc = JSON.parse(text); } catch { doc = undefined; }
        if (!doc || !Array.isArray(doc.keys) || doc.keys.length === 0) throw new SectionError(`${f}.jwks.secretRef`, `Secret ${jwks.secretRef.name} does not hold a JWKS (a JSON object with a non-empty "keys" array)`, 'store the JWKS JSON under the key (default "jwks.json")');
        source = { inline: text };
      } else {
        const cache = parseDuration(jwks.remote!.cacheDuration ?? '5m');
        if (cache === undefined) throw new SectionError(`${f}.jwks.remote.cacheDuration`, `"${jwks.remote!.cacheDuration}" is not a duration`, 'write a duration like "5m"');
        source = { remote: { ...remoteDocument(env, policy, jwks.remote, '/.well-known/jwks.json', `${f}.jwks.remote`), cacheSeconds: Math.max(1, Math.round(cache / 1000)) } };
      }
      const algorithms = p.algorithms ?? JWT_ALGORITHMS;
      for (const a of algorithms) if (!JWT_ALGORITHMS.includes(a)) throw new SectionError(`${f}.algorithms`, `algorithm "${a}" is not supported`, `use ${JWT_ALGORITHMS.join(', ')}`);
      const skew = parseDuration(p.clockSkew ?? '0s');
      if (skew === undefined) throw new SectionError(`${f}.clockSkew`, `"${p.clockSkew}" is not a duration`, 'write a duration like "30s"');
      const ex = p.extractFrom;
      const extract = ex ? {
        headers: (ex.headers ?? []).map((h, j) => ({ name: headerName(h.name, `${f}.extractFrom.headers[${j}].name`), prefix: h.valuePrefix ?? '' })),
        cookies: ex.cookies ?? [], params: ex.params ?? [],
      } : { headers: [{ name: 'authorization', prefix: 'Bearer ' }], cookies: [], params: [] };
      if (extract.headers.length + extract.cookies.length + extract.params.length === 0) throw new SectionError(`${f}.extractFrom`, 'names no header, cookie or parameter', 'name where the token is, or remove extractFrom for the Authorization header');
      return {
        name: p.name,
        ...(p.issuer ? { issuer: p.issuer } : {}),
        audiences: p.audiences ?? [],
        algorithms,
        clockSkewSeconds: Math.round(skew / 1000),
        jwks: source,
        extract,
        claimToHeaders: (p.claimToHeaders ?? []).map((c, j) => ({ claim: c.claim, header: headerName(c.header, `${f}.claimToHeaders[${j}].header`) })),
        requiredClaims: (p.requiredClaims ?? []).map((c) => ({ name: c.name, values: c.values ?? [] })),
        requiredScopes: p.requiredScopes ?? [],
        forwardToken: p.forwardToken === true,
      };
    }),
  };
}
