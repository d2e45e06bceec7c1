// Counting what actually crosses the gateway, for the access log: Content-Length is what a
// client promised, not what it sent. A request body is handed to undici through this generator,
// which pulls chunk by chunk (backpressure is kept) and adds each one to the record.
import type { Readable } from 'node:stream';
import type { EndpointIR } from '../../ir/index.ts';

export function countedBody(src: Readable | AsyncIterable<Buffer>, rec: { bytesIn: number }): AsyncGenerator<Buffer> {
  // While undici pulls, the iteration sees a stream error and fails the attempt. Before the first
  // pull (a connect that failed) or after the last (an answer already chosen, e.g. the body-limit
  // stream's 413), nobody is listening: the error is moot then, and must not crash the process.
  if (typeof (src as Readable).on === 'function') (src as Readable).on('error', ignore);
  return count(src, rec);
}

function ignore(): void {}

async function* count(src: Readable | AsyncIterable<Buffer>, rec: { bytesIn: number }): AsyncGenerator<Buffer> {
  for await (const chunk of src as AsyncIterable<Buffer>) {
    rec.bytesIn += chunk.length;
    yield chunk;
  }
}

// Every proxied request records its endpoint's address: built once per endpoint object of the table.
const addresses = new WeakMap<EndpointIR, string>();

/** "address:port", with IPv6 addresses in brackets. */
export function endpointAddress(ep: EndpointIR): string {
  let a = addresses.get(ep);
  if (a === undefined) {
    a = ep.address.includes(':') ? `[${ep.address}]:${ep.port}` : `${ep.address}:${ep.port}`;
    addresses.set(ep, a);
  }
  return a;
}
