// Reads the SNI and ALPN offer from a TLS ClientHello without terminating TLS, so one port can
// route by server name to an HTTPS listener, a TLS terminator or a raw passthrough backend.
// The hello may span several TLS records and arrive in any number of reads; the peek is
// bounded in bytes and time so a slow or hostile client cannot hold memory or a socket.
import type net from 'node:net';

export type HelloParse =
  | { kind: 'incomplete' }
  | { kind: 'hello'; serverName: string | undefined; alpn: string[] }
  | { kind: 'invalid'; reason: string };

const RECORD_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const EXT_SERVER_NAME = 0x0000;
const EXT_ALPN = 0x0010;

/** Large post-quantum key shares make hellos ~2 KB; 32 KiB leaves room without inviting abuse. */
export const DEFAULT_MAX_HELLO_BYTES = 32 * 1024;
export const DEFAULT_PEEK_TIMEOUT_MS = 10_000;

const incomplete: HelloParse = { kind: 'incomplete' };
const invalid = (reason: string): HelloParse => ({ kind: 'invalid', reason });

/**
 * Parses the ClientHello at the start of `buf` (the raw bytes from the client). Returns
 * 'incomplete' while more bytes could still make it parse; 'invalid' once they cannot.
 */
export function parseClientHello(buf: Uint8Array, maxBytes = DEFAULT_MAX_HELLO_BYTES): HelloParse {
  // Reassemble the handshake message from the records' fragments.
  const fragments: Uint8Array[] = [];
  let have = 0;
  let need = -1; // total handshake message length (header included), once known
  let off = 0;
  while (need < 0 || have < need) {
    if (off + 5 > buf.length) return buf.length >= maxBytes ? invalid('ClientHello exceeds the peek limit') : incomplete;
    if (buf[off] !== RECORD_HANDSHAKE) return invalid('not a TLS handshake record');
    if (buf[off + 1] !== 0x03) return invalid('not a TLS record version');
    const len = (buf[off + 3]! << 8) | buf[off + 4]!;
    if (len === 0 || len > 16384 + 2048) return invalid('bad TLS record length');
    if (off + 5 + len > buf.length) {
      return off + 5 + len > maxBytes ? invalid('ClientHello exceeds the peek limit') : incomplete;
    }
    const frag = buf.subarray(off + 5, off + 5 + len);
    fragments.push(frag);
    have += frag.length;
    off += 5 + len;
    if (need < 0 && have >= 4) {
      const head = concat(fragments, 4);
      if (head[0] !== HANDSHAKE_CLIENT_HELLO) return invalid('first handshake message is not a ClientHello');
      need = 4 + ((head[1]! << 16) | (head[2]! << 8) | head[3]!);
      if (need > maxBytes) return invalid('ClientHello exceeds the peek limit');
    }
  }
  return parseBody(concat(fragments, need).subarray(4));
}

function concat(parts: Uint8Array[], n: number): Uint8Array {
  if (parts.length === 1 || parts[0]!.length >= n) return parts[0]!.subarray(0, n);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    const take = Math.min(p.length, n - o);
    out.set(p.subarray(0, take), o);
    o += take;
    if (o >= n) break;
  }
  return out;
}

function parseBody(b: Uint8Array): HelloParse {
  let o = 2 + 32; // legacy_version, random
  if (o + 1 > b.length) return invalid('truncated ClientHello');
  o += 1 + b[o]!; // session id
  if (o + 2 > b.length) return invalid('truncated ClientHello');
  o += 2 + ((b[o]! << 8) | b[o + 1]!); // cipher suites
  if (o + 1 > b.length) return invalid('truncated ClientHello');
  o += 1 + b[o]!; // compression methods
  if (o > b.length) return invalid('truncated ClientHello');
  if (o === b.length) return { kind: 'hello', serverName: undefined, alpn: [] }; // no extensions
  if (o + 2 > b.length) return invalid('truncated extensions');
  const end = o + 2 + ((b[o]! << 8) | b[o + 1]!);
  if (end > b.length) return invalid('truncated extensions');
  o += 2;
  let serverName: string | undefined;
  let alpn: string[] = [];
  while (o + 4 <= end) {
    const type = (b[o]! << 8) | b[o + 1]!;
    const len = (b[o + 2]! << 8) | b[o + 3]!;
    const data = b.subarray(o + 4, o + 4 + len);
    if (o + 4 + len > end) return invalid('truncated extension');
    if (type === EXT_SERVER_NAME) {
      const r = readServerName(data);
      if (r === null) return invalid('malformed server_name extension');
      serverName = r;
    } else if (type === EXT_ALPN) {
      const r = readAlpn(data);
      if (r === null) return invalid('malformed ALPN extension');
      alpn = r;
    }
    o += 4 + len;
  }
  if (o !== end) return invalid('trailing bytes in extensions');
  return { kind: 'hello', serverName, alpn };
}

function readServerName(d: Uint8Array): string | undefined | null {
  if (d.length < 2) return null;
  const listEnd = 2 + ((d[0]! << 8) | d[1]!);
  if (listEnd > d.length) return null;
  for (let o = 2; o + 3 <= listEnd;) {
    const type = d[o]!;
    const len = (d[o + 1]! << 8) | d[o + 2]!;
    if (o + 3 + len > listEnd) return null;
    if (type === 0) {
      const name = Buffer.from(d.subarray(o + 3, o + 3 + len)).toString('latin1');
      // A host name is ASCII letters, digits, '-', '.', (and '_' seen in the wild).
      if (!/^[A-Za-z0-9._-]+$/.test(name)) return null;
      return name.toLowerCase().replace(/\.$/, '');
    }
    o += 3 + len;
  }
  return undefined;
}

function readAlpn(d: Uint8Array): string[] | null {
  if (d.length < 2) return null;
  const listEnd = 2 + ((d[0]! << 8) | d[1]!);
  if (listEnd > d.length) return null;
  const out: string[] = [];
  for (let o = 2; o < listEnd;) {
    const len = d[o]!;
    if (len === 0 || o + 1 + len > listEnd) return null;
    out.push(Buffer.from(d.subarray(o + 1, o + 1 + len)).toString('latin1'));
    o += 1 + len;
  }
  return out;
}

export interface PeekResult {
  hello: HelloParse;
  /** Every byte read so far: hand it on (unshift, or write to the backend) before the rest. */
  buffered: Buffer;
}

/**
 * Reads from `socket` until its ClientHello parses (or cannot), then pauses it and resolves.
 * The socket's own data is left for the caller: nothing is consumed beyond `buffered`.
 */
export function peekClientHello(
  socket: net.Socket, opts: { maxBytes?: number; timeoutMs?: number } = {},
): Promise<PeekResult> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_HELLO_BYTES;
  return new Promise((resolve) => {
    let buffered: Buffer = Buffer.alloc(0);
    let done = false;
    const finish = (hello: HelloParse) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('close', onEnd);
      socket.pause();
      resolve({ hello, buffered });
    };
    const onData = (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      const r = parseClientHello(buffered, maxBytes);
      if (r.kind !== 'incomplete') finish(r);
      else if (buffered.length >= maxBytes) finish(invalid('ClientHello exceeds the peek limit'));
    };
    const onEnd = () => finish(invalid('connection closed before the ClientHello'));
    const timer = setTimeout(() => finish(invalid('ClientHello peek timed out')), opts.timeoutMs ?? DEFAULT_PEEK_TIMEOUT_MS);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
  });
}
