// The ClientHello parser on real hellos from node:tls connects: SNI and ALPN, hellos split
// into single bytes and into several TLS records, garbage, oversized and truncated input, and
// the socket peek with its byte bound and timeout.
import net from 'node:net';
import tls from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseClientHello, peekClientHello } from '../../gateway/dataplane/l4/client-hello.ts';

/** Captures the first bytes a node:tls client sends (its ClientHello), then drops it. */
async function captureHello(opts: tls.ConnectionOptions): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no hello')), 3_000);
      server.once('connection', (s) => {
        let buf = Buffer.alloc(0);
        s.on('data', (d: Buffer) => {
          buf = Buffer.concat([buf, d]);
          if (parseClientHello(buf).kind !== 'incomplete') {
            clearTimeout(t);
            s.destroy();
            resolve(buf);
          }
        });
        s.on('error', () => undefined);
      });
      const c = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts });
      c.on('error', () => undefined);
    });
  } finally {
    server.close();
  }
}

/** Re-frames a single-record hello into records of at most `size` bytes of handshake data. */
function reframe(hello: Buffer, size: number): Buffer {
  const body = hello.subarray(5, 5 + hello.readUInt16BE(3));
  const out: Buffer[] = [];
  for (let o = 0; o < body.length; o += size) {
    const frag = body.subarray(o, o + size);
    const h = Buffer.from([0x16, 0x03, 0x01, 0, 0]);
    h.writeUInt16BE(frag.length, 3);
    out.push(h, frag);
  }
  return Buffer.concat(out);
}

test('SNI and ALPN from a real ClientHello', async () => {
  const hello = await captureHello({ servername: 'Abc.Example.com', ALPNProtocols: ['h2', 'http/1.1'] });
  const r = parseClientHello(hello);
  assert.equal(r, { kind: 'hello', serverName: 'abc.example.com', alpn: ['h2', 'http/1.1'] });
});

test('no SNI (connect by IP) and no ALPN', async () => {
  const hello = await captureHello({});
  assert.equal(parseClientHello(hello), { kind: 'hello', serverName: undefined, alpn: [] });
});

test('a hello fed byte by byte is incomplete until its last byte', async () => {
  const hello = await captureHello({ servername: 'split.example.com' });
  for (let n = 0; n < hello.length; n++) assert.is(parseClientHello(hello.subarray(0, n)).kind, 'incomplete', `at ${n} bytes`);
  const r = parseClientHello(hello);
  assert.is(r.kind === 'hello' && r.serverName, 'split.example.com');
});

test('a hello split across several TLS records', async () => {
  const hello = await captureHello({ servername: 'records.example.com', ALPNProtocols: ['x-a'] });
  for (const size of [1, 3, 50, 200]) {
    const framed = reframe(hello, size);
    assert.equal(parseClientHello(framed), { kind: 'hello', serverName: 'records.example.com', alpn: ['x-a'] }, `records of ${size}`);
    assert.is(parseClientHello(framed.subarray(0, framed.length - 1)).kind, 'incomplete');
  }
});

test('garbage, plain HTTP and non-hello handshakes are invalid', () => {
  assert.is(parseClientHello(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')).kind, 'invalid');
  assert.is(parseClientHello(Buffer.from([0x16, 0x07, 0x01, 0x00, 0x10])).kind, 'invalid');
  // A handshake record whose message is a ServerHello (type 2).
  assert.is(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00])).kind, 'invalid');
  // An empty ClientHello body: too short for version and random.
  assert.is(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00])).kind, 'invalid');
});

test('a corrupted server_name extension is invalid', async () => {
  const hello = Buffer.from(await captureHello({ servername: 'bad.example.com' }));
  const i = hello.indexOf(Buffer.from('bad.example.com'));
  hello[i] = 0x00; // a NUL byte in the host name
  assert.is(parseClientHello(hello).kind, 'invalid');
});

test('oversized hellos are refused at the limit, not buffered', async () => {
  // A record header announcing a handshake message of 16 MiB.
  const huge = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x08, 0x01, 0xff, 0xff, 0xff, 0x03, 0x03, 0x00, 0x00]);
  assert.is(parseClientHello(huge).kind, 'invalid');
  const hello = await captureHello({ servername: 'big.example.com' });
  assert.is(parseClientHello(hello, 64).kind, 'invalid');
  assert.is(parseClientHello(reframe(hello, 10).subarray(0, 70), 64).kind, 'invalid');
});

async function pair(): Promise<{ client: net.Socket; server: net.Socket; close(): void }> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((r) => srv.once('connection', r));
  const client = net.connect(port, '127.0.0.1');
  client.on('error', () => undefined);
  const server = await accepted;
  server.on('error', () => undefined);
  return { client, server, close: () => { client.destroy(); server.destroy(); srv.close(); } };
}

test('peek: reads a hello written in pieces and leaves later bytes unread', async () => {
  const hello = await captureHello({ servername: 'peek.example.com' });
  const p = await pair();
  try {
    const peek = peekClientHello(p.server, { timeoutMs: 2_000 });
    p.client.write(hello.subarray(0, 7));
    await new Promise((r) => setTimeout(r, 20));
    p.client.write(hello.subarray(7));
    const r = await peek;
    assert.is(r.hello.kind === 'hello' && r.hello.serverName, 'peek.example.com');
    assert.ok(r.buffered.subarray(0, hello.length).equals(hello));
    assert.ok(p.server.isPaused());
  } finally {
    p.close();
  }
});

test('peek: times out on a silent client and stops at the byte bound', async () => {
  const p = await pair();
  try {
    const started = Date.now();
    const r = await peekClientHello(p.server, { timeoutMs: 100 });
    assert.is(r.hello.kind, 'invalid');
    assert.ok(Date.now() - started < 1_000);
  } finally {
    p.close();
  }
  const q = await pair();
  try {
    const peek = peekClientHello(q.server, { maxBytes: 1_000, timeoutMs: 2_000 });
    // A plausible record header for a 16 KiB record, then filler: must stop near the bound.
    q.client.write(Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x3f, 0xfc]), Buffer.alloc(4_000, 1)]));
    const r = await peek;
    assert.is(r.hello.kind, 'invalid');
  } finally {
    q.close();
  }
});

test('peek: a client that closes before its hello', async () => {
  const p = await pair();
  const peek = peekClientHello(p.server, { timeoutMs: 2_000 });
  p.client.end(Buffer.from([0x16, 0x03]));
  const r = await peek;
  assert.is(r.hello.kind, 'invalid');
  p.close();
});

test.run();
