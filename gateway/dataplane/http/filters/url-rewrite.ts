// URLRewrite: changes the upstream-bound Host and path; the client sees nothing of it.
import type { PathMatchIR, RewriteIR } from '../../../ir/index.ts';
import type { Exchange, Handler } from '../exchange.ts';
import { compilePathModifier } from './path-modifier.ts';

export function urlRewriteFilter(ir: RewriteIR, match: PathMatchIR): (next: Handler) => Handler {
  const rewritePath = compilePathModifier(ir.path, match);
  const hostname = ir.hostname;
  return (next) => (ex: Exchange) => {
    if (hostname !== undefined) ex.upstreamHost = hostname;
    if (rewritePath !== undefined) ex.path = rewritePath(ex.path);
    return next(ex);
  };
}
