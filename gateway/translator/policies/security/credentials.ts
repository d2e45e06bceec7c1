// SecurityPolicy spec.basicAuth and spec.apiKeyAuth → IR: credentials read from the named Secrets.
import type { ApiKeyAuthIR, BasicAuthIR } from '../../../ir/index.ts';
import type { APIKeyAuthentication, BasicAuthentication } from '../../../model/index.ts';
import type { CompileEnv, PolicyObject } from '../descriptor.ts';
import { secretEntries, secretValue, SectionError } from '../references.ts';
import { headerName } from './names.ts';

/** htpasswd lines "user:hash"; only bcrypt ($2a$/$2b$/$2y$) and {SHA} are accepted (no MD5/crypt). */
export function compileBasicAuth(env: CompileEnv, policy: PolicyObject, v: BasicAuthentication, field: string): BasicAuthIR {
  const text = secretValue(env, policy, v.users, '.htpasswd', `${field}.users`);
  const users: BasicAuthIR['users'] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const l = line.trim();
    if (!l || l.startsWith('#')) return;
    const c = l.indexOf(':');
    const user = c > 0 ? l.slice(0, c) : '';
    const hash = c > 0 ? l.slice(c + 1) : '';
    if (!user || !(/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash) || /^\{SHA\}[A-Za-z0-9+/]{27}=$/.test(hash))) {
      throw new SectionError(`${field}.users`, `line ${i + 1} of the htpasswd Secret ${v.users.name} is not "user:hash" with a bcrypt or {SHA} hash`,
        'create entries with `htpasswd -B` (bcrypt) or `htpasswd -s` (SHA)');
    }
    users.push({ user, hash });
  });
  if (users.length === 0) throw new SectionError(`${field}.users`, `the htpasswd Secret ${v.users.name} has no users`, 'add "user:hash" lines');
  return {
    users, realm: v.realm ?? 'portico',
    ...(v.forwardUsernameHeader ? { forwardUsernameHeader: headerName(v.forwardUsernameHeader, `${field}.forwardUsernameHeader`) } : {}),
  };
}

export function compileApiKeyAuth(env: CompileEnv, policy: PolicyObject, v: APIKeyAuthentication, field: string): ApiKeyAuthIR {
  const clients: ApiKeyAuthIR['clients'] = [];
  const seen = new Set<string>();
  (v.credentialRefs ?? []).forEach((r, i) => {
    for (const [clientId, apiKey] of secretEntries(env, policy, r.name, `${field}.credentialRefs[${i}]`)) {
      if (!apiKey) continue;
      if (seen.has(apiKey)) throw new SectionError(`${field}.credentialRefs[${i}]`, `client "${clientId}" has the same API key as another client`, 'give every client its own key');
      seen.add(apiKey);
      clients.push({ clientId, apiKey });
    }
  });
  if (clients.length === 0) throw new SectionError(`${field}.credentialRefs`, 'the Secrets hold no API keys', 'add "client-id: key" entries to the Secrets');
  const ex = v.extractFrom ?? {};
  const extract = {
    headers: (ex.headers ?? []).map((h, i) => headerName(h, `${field}.extractFrom.headers[${i}]`)),
    params: ex.params ?? [], cookies: ex.cookies ?? [],
  };
  if (extract.headers.length + extract.params.length + extract.cookies.length === 0) {
    throw new SectionError(`${field}.extractFrom`, 'names no header, query parameter or cookie', 'set extractFrom.headers, e.g. ["x-api-key"]');
  }
  return {
    clients, extract,
    ...(v.forwardClientIDHeader ? { forwardClientIdHeader: headerName(v.forwardClientIDHeader, `${field}.forwardClientIDHeader`) } : {}),
  };
}
