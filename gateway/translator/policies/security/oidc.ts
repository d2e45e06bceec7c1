// SecurityPolicy spec.oidc → OidcIR: the provider reached through a Service or an allow-listed
// host; client and cookie secrets read from named Secrets.
import type { OidcIR } from '../../../ir/index.ts';
import type { OIDCAuthentication } from '../../../model/index.ts';
import type { CompileEnv, PolicyObject } from '../descriptor.ts';
import { remoteDocument, secretValue, SectionError } from '../references.ts';

export function compileOidc(env: CompileEnv, policy: PolicyObject, v: OIDCAuthentication, field: string): OidcIR {
  if (!v.provider?.issuer) throw new SectionError(`${field}.provider.issuer`, 'is required', 'set the issuer URL of the OpenID provider');
  if (!v.clientID) throw new SectionError(`${field}.clientID`, 'is required', 'set the client id registered with the provider');
  const path = (p: string | undefined, d: string, f: string) => {
    const x = p ?? d;
    if (!x.startsWith('/')) throw new SectionError(f, `"${x}" is not an absolute path`, 'start the path with "/"');
    return x;
  };
  return {
    issuer: v.provider.issuer,
    endpoint: remoteDocument(env, policy, v.provider.endpoint, '', `${field}.provider.endpoint`),
    clientId: v.clientID,
    clientSecret: secretValue(env, policy, v.clientSecret, 'client-secret', `${field}.clientSecret`),
    cookieSecret: secretValue(env, policy, v.cookieSecret, 'cookie-secret', `${field}.cookieSecret`),
    redirectPath: path(v.redirectPath, '/oauth2/callback', `${field}.redirectPath`),
    logoutPath: path(v.logoutPath, '/logout', `${field}.logoutPath`),
    scopes: v.scopes?.length ? v.scopes : ['openid'],
    cookieName: v.cookieName ?? 'portico-oidc',
    refresh: v.refresh !== false,
    forwardIdToken: v.forwardIDToken === true,
  };
}
