// RequestRedirect: the gateway answers with a Location built from the request and the filter.
// Port rules (HTTPRequestRedirectFilter.port docs): an explicit port wins; else a set scheme
// implies its well-known port (http 80, https 443); else the Gateway listener's port. The port
// is left out of Location when it is the scheme's default.
import type { PathMatchIR, RedirectIR } from '../../../ir/index.ts';
import type { Exchange, Handler } from '../exchange.ts';
import { sendGatewayResponse } from '../respond.ts';
import { compilePathModifier } from './path-modifier.ts';

const wellKnown: Record<string, number> = { http: 80, https: 443 };

export interface RedirectContext {
  /** The listener port as configured on the Gateway (before any local port offset). */
  listenerPort: number;
}

export function redirectLocation(
  ir: RedirectIR,
  req: { scheme: string; host: string; path: string; query: string },
  ctx: RedirectContext,
  rewritePath?: (path: string) => string,
): string {
  const scheme = ir.scheme ?? req.scheme;
  const host = ir.hostname ?? req.host;
  let port: number;
  if (ir.port !== undefined) port = ir.port;
  else if (ir.scheme !== undefined) port = wellKnown[ir.scheme.toLowerCase()] ?? ctx.listenerPort;
  else port = ctx.listenerPort;
  const showPort = wellKnown[scheme.toLowerCase()] !== port;
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const path = rewritePath ? rewritePath(req.path) : req.path;
  return `${scheme}://${h}${showPort ? `:${port}` : ''}${path}${req.query}`;
}

export function requestRedirectFilter(ir: RedirectIR, match: PathMatchIR, ctx: RedirectContext): (next: Handler) => Handler {
  const rewritePath = compilePathModifier(ir.path, match);
  const status = ir.statusCode || 302;
  return () => (ex: Exchange) => {
    const location = redirectLocation(ir, ex, ctx, rewritePath);
    sendGatewayResponse(ex, status, '', undefined, { location });
  };
}
