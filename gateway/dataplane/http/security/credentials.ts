// basicAuth (htpasswd: bcrypt via bcryptjs, or {SHA}) and apiKeyAuth (keys from Secrets, matched by
// their SHA-256 so the lookup does not compare secrets byte by byte). bcrypt is slow by design: a
// verified Authorization value is remembered (by its SHA-256, bounded) so a client that keeps
// sending it pays the hash once per table, not once per request.
import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { ApiKeyAuthIR, BasicAuthIR } from '../../../ir/index.ts';
import type { Check } from './denial.ts';
import { unauthorized } from './denial.ts';
import { findCredential, removeCredential } from './request-values.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64');
const VERIFIED_MAX = 1024;

async function passwordMatches(password: string, hash: string): Promise<boolean> {
  if (hash.startsWith('{SHA}')) {
    const want = Buffer.from(hash.slice(5), 'base64');
    const got = createHash('sha1').update(password).digest();
    return want.length === got.length && timingSafeEqual(want, got);
  }
  // bcryptjs reads $2a$/$2b$; htpasswd -B writes $2y$, the same algorithm.
  return bcrypt.compare(password, hash.replace(/^\$2y\$/, '$2b$'));
}

export function basicAuthCheck(ir: BasicAuthIR): Check {
  const users = new Map(ir.users.map((u) => [u.user, u.hash]));
  const verified = new Map<string, string>();
  const challenge = `Basic realm="${ir.realm.replace(/["\\]/g, '')}", charset="UTF-8"`;
  return async (ex) => {
    const raw = ex.headers.authorization;
    const header = Array.isArray(raw) ? raw[0] : raw;
    if (!header || !/^basic /i.test(header)) return unauthorized('credentials are required', challenge);
    const key = sha256(header);
    let user = verified.get(key);
    if (user === undefined) {
      const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      const name = i > 0 ? decoded.slice(0, i) : '';
      const hash = users.get(name);
      if (hash === undefined || !(await passwordMatches(decoded.slice(i + 1), hash))) return unauthorized('invalid credentials', challenge);
      user = name;
      if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
      verified.set(key, user);
    }
    delete ex.headers.authorization;
    if (ir.forwardUsernameHeader) ex.headers[ir.forwardUsernameHeader] = user;
    return undefined;
  };
}

export function apiKeyCheck(ir: ApiKeyAuthIR): Check {
  const byDigest = new Map(ir.clients.map((c) => [sha256(c.apiKey), c.clientId]));
  const where = { headers: ir.extract.headers.map((name) => ({ name, prefix: '' })), cookies: ir.extract.cookies, params: ir.extract.params };
  const challenge = 'APIKey realm="portico"';
  return (ex) => {
    const found = findCredential(ex, where);
    if (!found) return unauthorized('an API key is required', challenge);
    const client = byDigest.get(sha256(found.value));
    if (client === undefined) return unauthorized('invalid API key', challenge);
    removeCredential(ex, found);
    if (ir.forwardClientIdHeader) ex.headers[ir.forwardClientIdHeader] = client;
    return undefined;
  };
}
