// HTTPRouteRule.retry: retry on the listed status codes and on connection failures, up to
// `attempts` calls in total, waiting at least `backoff` between them, all inside the request
// timeout. A body can only be sent twice if we still have it, so a request with a body is
// retried only when it is small, its length is declared, and it has been read into memory
// first; any other body is streamed straight through on a single attempt.
import type { Readable } from 'node:stream';
import type { RetryIR } from '../../ir/index.ts';
import type { Exchange } from './exchange.ts';

/** Largest body kept for replay. */
export const REPLAY_CAP = 64 * 1024;

export interface RetryPolicy {
  attempts: number;
  codes: readonly number[];
  backoffMs: number;
  /** Whether a backend-request timeout counts as a retryable 504. */
  retryTimeouts: boolean;
}

export function compileRetry(ir: RetryIR | undefined): RetryPolicy | undefined {
  if (ir === undefined || ir.attempts <= 1) return undefined;
  return {
    attempts: ir.attempts,
    codes: ir.codes,
    backoffMs: Math.max(0, ir.backoffMs),
    retryTimeouts: ir.codes.includes(504),
  };
}

/**
 * Reads the request body into memory when it is replayable (declared length ≤ cap).
 * Returns the buffer, or undefined when the body must be streamed (not replayable); the promise
 * gives undefined when the client went away mid-body and 'timeout' when timeoutMs ran out.
 */
export function readReplayableBody(
  ex: Exchange,
  cap = REPLAY_CAP,
  timeoutMs?: number,
): Promise<Buffer | 'timeout' | undefined> | undefined {
  const cl = ex.req.headers['content-length'];
  if (cl === undefined) return undefined;
  const len = Number(cl);
  if (!Number.isSafeInteger(len) || len < 0 || len > cap) return undefined;
  const req = ex.req as Readable;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // The request timeout also covers a client that is slow to send its body.
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => done('timeout'), timeoutMs);
    const done = (value: Buffer | 'timeout' | undefined) => {
      if (timer !== undefined) clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      resolve(value);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      chunks.push(c);
    };
    const onEnd = () => done(size === len ? Buffer.concat(chunks, size) : undefined);
    const onError = () => done(undefined);
    // 'close' without 'end': the client went away mid-body.
    const onClose = () => {
      if (!req.readableEnded) done(undefined);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    if (req.readableEnded) done(Buffer.alloc(0));
  });
}

/** Waits for the backoff, or less if the request timeout comes first, or the client goes away. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
