// A rule's effective SecurityPolicy (already resolved by the translator) as one filter: headers
// the policy itself sets upstream are first removed from the client's request (no spoofing),
// then oidc / jwt / basicAuth / apiKeyAuth / authorization run in that order, then extAuth
// (the ExternalAuth filter's own implementation). Compiled once per distinct SecurityIR object.
import type { BackendIR, EndpointIR, ExternalAuthIR, SecurityIR } from '../../../ir/index.ts';
import type { Exchange, Handler } from '../exchange.ts';
import { sendGatewayResponse } from '../respond.ts';
import { authorizationCheck } from './authorization.ts';
import { apiKeyCheck, basicAuthCheck } from './credentials.ts';
import type { Check, Denial } from './denial.ts';
import { jwtCheck } from './jwt.ts';
import { oidcStep } from './oidc.ts';

export interface SecurityDeps {
  pickEndpoint(b: BackendIR): EndpointIR | undefined;
  externalAuth(ir: ExternalAuthIR, deps: { pickEndpoint(b: BackendIR): EndpointIR | undefined }): { filter: (next: Handler) => Handler; close(): void };
}

export interface CompiledSecurity {
  filter: (next: Handler) => Handler;
  close(): void;
}

function deny(ex: Exchange, d: Denial): void {
  sendGatewayResponse(ex, d.status, d.body, d.flag, d.headers);
}

export function compileSecurity(ir: SecurityIR, deps: SecurityDeps): CompiledSecurity {
  const checks: Check[] = [];
  const spoofable: string[] = [];
  if (ir.jwt) {
    const j = jwtCheck(ir.jwt, deps);
    checks.push(j.check);
    spoofable.push(...j.spoofable);
  }
  if (ir.basicAuth) {
    checks.push(basicAuthCheck(ir.basicAuth));
    if (ir.basicAuth.forwardUsernameHeader) spoofable.push(ir.basicAuth.forwardUsernameHeader);
  }
  if (ir.apiKeyAuth) {
    checks.push(apiKeyCheck(ir.apiKeyAuth));
    if (ir.apiKeyAuth.forwardClientIdHeader) spoofable.push(ir.apiKeyAuth.forwardClientIdHeader);
  }
  if (ir.authorization) checks.push(authorizationCheck(ir.authorization));
  const oidc = ir.oidc ? oidcStep(ir.oidc, deps) : undefined;
  const ext = ir.extAuth ? deps.externalAuth(ir.extAuth, { pickEndpoint: deps.pickEndpoint }) : undefined;

  const filter = (next: Handler): Handler => {
    const inner = ext ? ext.filter(next) : next;
    return async (ex) => {
      for (const h of spoofable) delete ex.headers[h];
      if (oidc) {
        // The login flow answers its own requests (redirects, the callback, logout).
        const r = await oidc(ex);
        if (r === 'answered') return;
        if (r !== 'next') return deny(ex, r);
      }
      for (const c of checks) {
        const d = await c(ex);
        if (d) return deny(ex, d);
      }
      return inner(ex);
    };
  };
  return { filter, close: () => ext?.close() };
}
