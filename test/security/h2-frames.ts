// A raw HTTP/2 client for hostile-client tests: frames built by hand (RFC 9113 §4.1), header
// blocks with HPACK literals (RFC 7541 §6.2) or static-table indexes, and a reader that reports
// GOAWAY. Nothing here tries to be a correct peer: that is the point.
import net from 'node:net';

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
export const T = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;
export const F = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 } as const;

export function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([h, payload]);
}

/** HPACK integer with an n-bit prefix (RFC 7541 §5.1); `first` holds the pattern bits above the prefix. */
function int(value: number, prefixBits: number, first: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  let v = value - max;
  while (v >= 128) { out.push((v % 128) + 128); v = Math.floor(v / 128); }
  out.push(v);
  return out;
}

function str(s: string): number[] {
  const b = Buffer.from(s, 'latin1');
  return [...int(b.length, 7, 0), ...b];
}

/** Literal header field with incremental indexing, new name (it enters the dynamic table). */
export function literalIndexed(name: string, value: string): number[] {
  return [0x40, ...str(name), ...str(value)];
}

/** Literal header field without indexing, new name. */
export function literal(name: string, value: string): number[] {
  return [0x00, ...str(name), ...str(value)];
}

/** Indexed header field (static 1..61, dynamic from 62). */
export function indexed(i: number): number[] {
  return int(i, 7, 0x80);
}

/** GET / over http with an :authority: a minimal valid request header block. */
export function getBlock(authority = 'www.example', path = '/'): Buffer {
  // static table: 2 = :method GET, 6 = :scheme http, 4 = :path /, 1 = :authority (name)
  const p = path === '/' ? indexed(4) : [0x04, ...str(path)];
  return Buffer.from([...indexed(2), ...indexed(6), ...p, 0x01, ...str(authority)]);
}

export interface RawH2 {
  socket: net.Socket;
  send(b: Buffer): boolean;
  /** GOAWAY error code once received. */
  goaway(): number | undefined;
  /** Resolves when the connection is closed (by either side). */
  closed: Promise<void>;
  isClosed(): boolean;
}

export function connectRawH2(port: number, readResponses = true): Promise<RawH2> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let goaway: number | undefined;
    let closed = false;
    let buf: Buffer = Buffer.alloc(0);
    const done = new Promise<void>((r) => socket.once('close', () => { closed = true; r(); }));
    socket.on('error', () => {});
    if (readResponses) {
      socket.on('data', (c: Buffer) => {
        buf = buf.length === 0 ? c : Buffer.concat([buf, c]);
        while (buf.length >= 9) {
          const len = buf.readUIntBE(0, 3);
          if (buf.length < 9 + len) break;
          if (buf[3] === T.GOAWAY && len >= 8 && goaway === undefined) goaway = buf.readUInt32BE(9 + 4);
          buf = buf.subarray(9 + len);
        }
      });
    } else {
      socket.pause();
    }
    socket.once('connect', () => {
      socket.write(Buffer.concat([PREFACE, frame(T.SETTINGS, 0, 0)]));
      resolve({
        socket,
        send: (b) => (socket.destroyed ? false : socket.write(b)),
        goaway: () => goaway,
        closed: done,
        isClosed: () => closed,
      });
    });
    socket.once('error', reject);
  });
}
