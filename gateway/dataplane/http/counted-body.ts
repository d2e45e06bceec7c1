// Counting what actually crosses the gateway, for the access log: Content-Length is what a
// client promised, not what it sent. A request body is handed to undici through this generator,
// which pulls chunk by chunk (backpressure is kept) and adds each one to the record.
import type { Readable } from 'node:stream';
import type { EndpointIR } from '../../ir/index.ts';

export async function* countedBody(src: Readable | AsyncIterable<Buffer>, rec: { bytesIn: number }): AsyncGenerator<Buffer> {
  for await (const chunk of src as AsyncIterable<Buffer>) {
    rec.bytesIn += chunk.length;
    yield chunk;
  }
}

/** "address:port", with IPv6 addresses in brackets. */
export function endpointAddress(ep: EndpointIR): string {
  return ep.address.includes(':') ? `[${ep.address}]:${ep.port}` : `${ep.address}:${ep.port}`;
}
