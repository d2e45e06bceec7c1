// WebSocket frame boundaries (RFC 6455 §5.2) read off a byte stream without unmasking or copying
// payloads: enough to bound the size of a message a client sends through the gateway, and to
// know whether a stream is between frames (where a close frame of the gateway's own may go).

export interface FrameScan {
  /** What may be relayed, in order (header bytes held from earlier chunks, then this chunk's). */
  out: Buffer[];
  /** A frame or message over the limit starts right after `out`: close with 1009. */
  tooBig: boolean;
}

/**
 * Scans one direction of a WebSocket connection. `maxMessageBytes` bounds a data frame and the
 * sum of a fragmented message's frames (0: no limit; then it only tracks boundaries). A frame's
 * header is judged whole, before any byte of it is relayed.
 */
export class FrameScanner {
  readonly #head = Buffer.alloc(14);
  /** Header bytes of the frame being read, not yet relayed (a header may span chunks). */
  #headLen = 0;
  /** Payload bytes of the current frame still to pass. */
  #payloadLeft = 0;
  /** Payload bytes of the message so far (the data frames of one fragmented message). */
  #message = 0;
  #tooBig = false;

  constructor(readonly maxMessageBytes: number) {}

  /** True between frames: nothing of a frame is pending. */
  get atBoundary(): boolean {
    return this.#headLen === 0 && this.#payloadLeft === 0;
  }

  scan(chunk: Buffer): FrameScan {
    if (this.#tooBig) return { out: [], tooBig: true };
    const out: Buffer[] = [];
    const n = chunk.length;
    let carried = this.#headLen;
    // Where the current header's bytes in this chunk begin (0 when it started in an earlier one).
    let headerStart = carried > 0 ? 0 : -1;
    let i = 0;
    while (i < n) {
      if (this.#payloadLeft > 0) {
        const take = Math.min(this.#payloadLeft, n - i);
        this.#payloadLeft -= take;
        i += take;
        continue;
      }
      if (this.#headLen === 0) headerStart = i;
      this.#head[this.#headLen++] = chunk[i++]!;
      const need = this.#headerLength();
      if (need === undefined || this.#headLen < need) continue;
      const h = this.#head;
      const fin = (h[0]! & 0x80) !== 0;
      const opcode = h[0]! & 0x0f;
      const len7 = h[1]! & 0x7f;
      const len = len7 === 126 ? h.readUInt16BE(2) : len7 === 127 ? Number(h.readBigUInt64BE(2)) : len7;
      if ((opcode & 0x08) === 0) {
        // A data frame: opcode 0 continues the message, 1 (text) and 2 (binary) start one.
        const message = (opcode === 0 ? this.#message : 0) + len;
        if (this.maxMessageBytes > 0 && message > this.maxMessageBytes) {
          this.#tooBig = true;
          if (headerStart > 0) out.push(chunk.subarray(0, headerStart));
          return { out, tooBig: true };
        }
        this.#message = fin ? 0 : message;
      }
      if (carried > 0) {
        out.push(Buffer.from(h.subarray(0, carried)));
        carried = 0;
      }
      this.#headLen = 0;
      this.#payloadLeft = len;
    }
    // A header not yet whole is held back until it is.
    const end = this.#headLen > 0 ? (carried > 0 ? 0 : headerStart) : n;
    if (end > 0) out.push(end === n ? chunk : chunk.subarray(0, end));
    return { out, tooBig: false };
  }

  /** The length of the header being read, once its first two bytes are known. */
  #headerLength(): number | undefined {
    if (this.#headLen < 2) return undefined;
    const len7 = this.#head[1]! & 0x7f;
    const masked = (this.#head[1]! & 0x80) !== 0;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
  }
}

/** A close frame with a status code: masked when the gateway sends it as a client (to the backend). */
export function closeFrame(code: number, masked: boolean): Buffer {
  if (!masked) return Buffer.from([0x88, 0x02, code >> 8, code & 0xff]);
  const key = [0x12, 0x34, 0x56, 0x78];
  return Buffer.from([0x88, 0x82, ...key, (code >> 8) ^ key[0]!, (code & 0xff) ^ key[1]!]);
}
