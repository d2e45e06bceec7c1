// ResponseHeaderModifier: recorded on the exchange; whoever answers (the upstream forwarder or
// sendGatewayResponse) applies the modifiers in order to the response head.
import type { HeaderModifierIR } from '../../../ir/index.ts';
import type { Exchange, Handler } from '../exchange.ts';

export function responseHeaderModifierFilter(ir: HeaderModifierIR): (next: Handler) => Handler {
  return (next) => (ex: Exchange) => {
    ex.responseModifiers.push(ir);
    return next(ex);
  };
}
