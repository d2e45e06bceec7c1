// A listener's request body limit (413). A declared Content-Length is judged before anything is
// sent upstream; a body of unknown length (chunked, HTTP/2 without content-length) is counted as
// it streams, and the exchange is answered 413 (or cut, if an answer has started) the moment it
// goes over. Only listeners with a limit pay for the counting stream.
import { Transform, type TransformCallback } from 'node:stream';
import type { Readable } from 'node:stream';
import type { Exchange } from './exchange.ts';
import { sendGatewayResponse } from './respond.ts';
import { ResponseFlag } from '../response-flags.ts';

const ignore = () => {};

function tooLarge(ex: Exchange): void {
  sendGatewayResponse(ex, 413, 'request body too large', ResponseFlag.BODY_TOO_LARGE, { connection: 'close' });
}

/** False when the exchange was answered 413 already. */
export function enforceBodyLimit(ex: Exchange, maxBytes: number): boolean {
  const h = ex.req.headers;
  const declared = h['content-length'];
  if (declared !== undefined) {
    if (Number(declared) > maxBytes) {
      tooLarge(ex);
      return false;
    }
    return true; // node's parser holds the body to its declared length
  }
  if (ex.req.httpVersionMajor < 2 && h['transfer-encoding'] === undefined) return true; // no body
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      seen += chunk.length;
      if (seen > maxBytes) {
        tooLarge(ex);
        cb(new Error('request body too large'));
        return;
      }
      cb(null, chunk);
    },
  });
  // The error tells whoever reads the body (the upstream request) to abort. Until something reads
  // it, and after, it must never be an unhandled 'error' event: that would end the process.
  counter.on('error', ignore);
  (ex.req as Readable).pipe(counter);
  ex.body = counter;
  return true;
}
