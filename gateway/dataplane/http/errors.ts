// The answers the server side of the data plane gives on its own, with their GW_ERR_* codes.
import type { Exchange } from './exchange.ts';
import { sendGatewayResponse } from './respond.ts';

export const GW_ERR = {
  BAD_REQUEST: 'GW_ERR_BAD_REQUEST',
  NO_ROUTE: 'GW_ERR_NO_ROUTE',
  MISDIRECTED: 'GW_ERR_MISDIRECTED_REQUEST',
  RULE_INVALID: 'GW_ERR_RULE_INVALID',
  INTERNAL: 'GW_ERR_INTERNAL',
  CLIENT_ABORT: 'GW_ERR_CLIENT_ABORT',
} as const;

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
