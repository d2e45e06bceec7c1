// The answers the server side of the data plane gives on its own, with their GW_ERR_* codes.
import type { Exchange } from './exchange.ts';
import { sendGatewayResponse } from './respond.ts';
import { ResponseFlag } from '../response-flags.ts';

/** The codes are response flags (response-flags.ts): one registry for the whole data plane. */
export const GW_ERR = ResponseFlag;

export function answerNoRoute(ex: Exchange): void {
  sendGatewayResponse(ex, 404, 'no route matches this request', GW_ERR.NO_ROUTE);
}

export function answerMisdirected(ex: Exchange): void {
  // 421: the TLS connection (SNI) belongs to another listener than the Host asked for.
  sendGatewayResponse(ex, 421, 'misdirected request: the host does not belong to this TLS connection', GW_ERR.MISDIRECTED);
}

export function answerBadRequest(ex: Exchange, why: string): void {
  sendGatewayResponse(ex, 400, `bad request: ${why}`, GW_ERR.BAD_REQUEST, { connection: 'close' });
}

export function answerInternal(ex: Exchange): void {
  sendGatewayResponse(ex, 500, 'internal gateway error', GW_ERR.INTERNAL);
}
