// What a security check answers when it refuses a request.
import type { ResponseFlag } from '../../response-flags.ts';
import type { Exchange } from '../exchange.ts';

export interface Denial {
  status: 401 | 403 | 500 | 503;
  body: string;
  flag: ResponseFlag;
  headers?: Record<string, string>;
}

export const unauthorized = (body: string, challenge: string): Denial => ({ status: 401, body, flag: 'GW_ERR_UNAUTHORIZED', headers: { 'www-authenticate': challenge } });
export const forbidden = (body: string): Denial => ({ status: 403, body, flag: 'GW_ERR_FORBIDDEN' });

/** A check: undefined lets the request go on. */
export type Check = (ex: Exchange) => Denial | undefined | Promise<Denial | undefined>;
