// HTTPRoute RequestMirror filter: a fire-and-forget copy of `fraction` of the requests (as
// they stand after the earlier filters) to one endpoint of the mirror backend. The mirror must
// never slow or fail the main request, so the body is teed without backpressure from the
// mirror side: the main side drives the reads, and a mirror that falls behind by more than
// MIRROR_MAX_BUFFER bytes (or that has too many copies in flight) is dropped.
import { PassThrough, type Readable } from 'node:stream';
import type { BackendIR, EndpointIR, MirrorIR } from '../../../ir/index.ts';
import type { Exchange, Handler } from '../exchange.ts';
import { PoolRegistry, transportKey } from '../../upstream/pools.ts';

/** Bytes a mirror copy may lag behind the main request before it is abandoned. */
export const MIRROR_MAX_BUFFER = 1024 * 1024;
/** Mirror copies in flight per filter before new ones are skipped. */
export const MIRROR_MAX_INFLIGHT = 256;
const MIRROR_TIMEOUT_MS = 30_000;

export interface MirrorDeps {
  pickEndpoint(b: BackendIR): EndpointIR | undefined;
}

function noop(): void {}

/** Whether the client sent (or will send) a body, without reading any of it. */
function hasBody(ex: Exchange): boolean {
  if (ex.body !== undefined) return Buffer.isBuffer(ex.body) ? ex.body.length > 0 : true;
  const req = ex.req as Exchange['req'] & { stream?: { endAfterHeaders?: boolean } };
  if (req.httpVersionMajor === 2) return req.stream?.endAfterHeaders !== true;
  const cl = req.headers['content-length'];
  return (cl !== undefined && cl !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Splits `src` into a stream for the main request (which keeps normal backpressure) and one
 * for the mirror (which never pauses `src`; it is destroyed once it lags too far).
 */
export function teeBody(src: Readable, maxLag: number): { main: PassThrough; mirror: PassThrough } {
  const main = new PassThrough();
  const mirror = new PassThrough();
  mirror.on('error', noop);
  const feedMirror = (c: Buffer): void => {
    if (mirror.destroyed) return;
    if (mirror.writableLength + mirror.readableLength + c.length > maxLag) mirror.destroy(new Error('mirror fell behind'));
    else mirror.write(c);
  };
  src.on('data', (c: Buffer) => {
    feedMirror(c);
    if (!main.write(c)) src.pause();
  });
  main.on('drain', () => src.resume());
  src.on('end', () => {
    main.end();
    if (!mirror.destroyed) mirror.end();
  });
  const fail = (): void => {
    if (!src.readableEnded) {
      main.destroy(new Error('client request body aborted'));
      mirror.destroy();
    }
  };
  src.on('error', fail);
  src.on('close', fail);
  // If the main side stops reading for good (the gateway answered early), stop the source too.
  main.on('close', () => {
    if (!src.readableEnded) mirror.destroy();
  });
  return { main, mirror };
}

export function mirrorFilter(ir: MirrorIR, deps: MirrorDeps): { filter: (next: Handler) => Handler; close(): void } {
  const backend = ir.backend;
  const fraction = ir.fraction;
  let inflight = 0;
  let closed = false;

  if (fraction <= 0 || backend.invalid) return { filter: (next) => next, close: noop };

  // The upstream's pool registry: h2c prior knowledge (GRPCRoute mirrors) and BackendTLSPolicy
  // verification come with it. Its own instance, so closing it touches only mirror traffic.
  const pools = new PoolRegistry({ headersTimeoutMs: MIRROR_TIMEOUT_MS, bodyTimeoutMs: MIRROR_TIMEOUT_MS });
  const transport = transportKey(backend);

  function send(ex: Exchange, ep: EndpointIR): void {
    const headers: Record<string, string | string[]> = {};
    for (const k in ex.headers) if (k !== 'expect') headers[k] = ex.headers[k]!;
    headers['host'] = ex.upstreamHost;
    let body: Buffer | PassThrough | null = null;
    if (hasBody(ex)) {
      if (Buffer.isBuffer(ex.body)) body = ex.body;
      else {
        const t = teeBody((ex.body as Readable | undefined) ?? ex.req, MIRROR_MAX_BUFFER);
        const copy = t.mirror;
        ex.body = t.main;
        body = copy;
        // Once the exchange is over, a copy still waiting for body bytes would never get them
        // (the gateway answered without reading the body). Not tied to next() returning: as a
        // backend filter, next() returns before the forwarder has read anything.
        (ex.res as NodeJS.EventEmitter | undefined)?.once('close', () => {
          if (!copy.writableEnded) copy.destroy();
        });
      }
    }
    inflight++;
    pools
      .get(backend, transport, ep)
      .request({ method: ex.method, path: ex.path + ex.query, headers, body })
      .then((res) => res.body.dump())
      .catch(noop)
      .finally(() => {
        inflight--;
      });
  }

  const filter = (next: Handler): Handler =>
    (ex: Exchange) => {
      if (closed || inflight >= MIRROR_MAX_INFLIGHT || (fraction < 1 && Math.random() >= fraction)) return next(ex);
      const ep = deps.pickEndpoint(backend);
      if (ep !== undefined) {
        try {
          send(ex, ep);
        } catch {
          // A copy that cannot even be built (headers undici refuses) is simply not sent.
        }
      }
      return next(ex);
    };

  return {
    filter,
    close() {
      closed = true;
      // Graceful: copies already in flight finish.
      pools.retain(new Set());
    },
  };
}
