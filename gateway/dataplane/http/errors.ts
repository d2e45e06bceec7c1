// The answers the server side of the data plane gives on its own, with their GW_ERR_* codes.
import type { Exchange } from './exchange.ts';
import type { DataplaneObserver } from '../observer.ts';
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

/** A handler threw (or its promise rejected): log it and answer 500, or cut the connection. */
export function handlerFailed(ex: Exchange, observer: DataplaneObserver | undefined, err: unknown): void {
  try {
    observer?.onEvent?.('error', 'request handler failed', { error: String((err as Error)?.stack ?? err), rule: ex.rule?.id });
  } catch {
    // The observer must not throw; if it does, the request is not the place to fail.
  }
  try {
    answerInternal(ex);
  } catch {
    // Even the 500 could not be written: cut the connection rather than crash the process.
    ex.res?.destroy();
    ex.upgrade?.socket.destroy();
  }
}
