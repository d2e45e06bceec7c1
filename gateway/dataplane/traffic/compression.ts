// TrafficPolicy compression: gzip, brotli and (where the runtime has it) zstd from node:zlib,
// negotiated from Accept-Encoding (RFC 9110 §12.5.3: q-values, "*", q=0 refuses). A response is
// compressed when it is a 2xx with a body, of a listed media type, not already encoded, not
// marked no-transform, and not known to be smaller than the threshold.
import zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import type { CompressionAlgorithm, CompressionIR } from '../../ir/index.ts';
import type { Exchange, ResponseCompressor } from '../http/exchange.ts';

/** Text-like types compressed when the policy lists none. */
export const DEFAULT_COMPRESSIBLE = [
  'text/*', 'application/json', 'application/javascript', 'application/xml', 'application/xhtml+xml',
  'application/x-javascript', 'image/svg+xml', 'application/wasm',
];

type ZstdZlib = typeof zlib & { createZstdCompress?: () => Transform };

/** zstd exists in node:zlib from Node 22.15 / 23.8; Deno and older runtimes do not have it. */
export function zstdAvailable(): boolean {
  return typeof (zlib as ZstdZlib).createZstdCompress === 'function';
}

function encoder(a: CompressionAlgorithm): Transform {
  switch (a) {
    // Level 5 and a 4 MiB window hint keep brotli's CPU near gzip's for proxied content.
    case 'br': return zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } });
    case 'gzip': return zlib.createGzip({ level: 6 });
    case 'zstd': return (zlib as ZstdZlib).createZstdCompress!();
  }
}

/**
 * The algorithm to use for an Accept-Encoding value: the highest q among those offered; on a
 * tie the policy's order. Undefined: send identity.
 */
export function negotiate(accept: string | undefined, offered: readonly CompressionAlgorithm[]): CompressionAlgorithm | undefined {
  if (accept === undefined || accept === '') return undefined;
  const q = new Map<string, number>();
  for (const item of accept.split(',')) {
    const [name, ...params] = item.trim().toLowerCase().split(';');
    if (!name) continue;
    let v = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
      if (m) v = Number(m[1]);
    }
    if (!Number.isNaN(v)) q.set(name === 'x-gzip' ? 'gzip' : name, v);
  }
  let best: CompressionAlgorithm | undefined;
  let bestQ = 0;
  for (const a of offered) {
    const v = q.get(a) ?? q.get('*') ?? 0;
    if (v > bestQ) {
      best = a;
      bestQ = v;
    }
  }
  return best;
}

function typeMatcher(types: readonly string[]): (contentType: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const t of types.length > 0 ? types : DEFAULT_COMPRESSIBLE) {
    const lt = t.toLowerCase();
    if (lt.endsWith('/*')) prefixes.push(lt.slice(0, -1));
    else exact.add(lt);
  }
  return (ct) => {
    const semi = ct.indexOf(';');
    const media = (semi < 0 ? ct : ct.slice(0, semi)).trim().toLowerCase();
    return exact.has(media) || prefixes.some((p) => media.startsWith(p));
  };
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}

export function compileCompression(ir: CompressionIR): ResponseCompressor {
  const offered = ir.algorithms.filter((a) => a !== 'zstd' || zstdAvailable());
  const compressible = typeMatcher(ir.contentTypes);
  return {
    start(ex: Exchange, status: number, headers: Record<string, string | string[]>): Transform | undefined {
      if (status < 200 || status >= 300 || status === 204 || status === 206 || ex.method === 'HEAD') return undefined;
      const ct = one(headers['content-type']);
      if (ct === undefined || !compressible(ct)) return undefined;
      if (headers['content-encoding'] !== undefined) return undefined;
      // A cache in front must keep the encodings apart whatever this client asked for.
      const vary = one(headers['vary']);
      if (vary === undefined || vary === '') headers['vary'] = 'Accept-Encoding';
      else if (!/(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(vary)) headers['vary'] = `${vary}, Accept-Encoding`;
      if (/\bno-transform\b/i.test(one(headers['cache-control']) ?? '')) return undefined;
      const len = one(headers['content-length']);
      if (len !== undefined && Number(len) < ir.minBytes) return undefined;
      const algo = negotiate(one(ex.headers['accept-encoding']), offered);
      if (algo === undefined) return undefined;
      headers['content-encoding'] = algo;
      delete headers['content-length'];
      // The validator names the identity representation; a weak one stays usable (RFC 9110 §8.8.1).
      const etag = one(headers['etag']);
      if (etag !== undefined && !etag.startsWith('W/')) headers['etag'] = `W/${etag}`;
      return encoder(algo);
    },
  };
}
