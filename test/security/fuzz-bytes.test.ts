// Random bytes at the parts that read raw client input: the ClientHello parser (pure, many runs)
// and a live port serving HTTP/1.1 and h2c plus a TLS-routing port (fewer runs: real sockets).
// Whatever arrives, the process does not crash and keeps serving a well-formed request.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import net from 'node:net';
import { parseClientHello } from '../../gateway/dataplane/l4/client-hello.ts';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import * as H from '../dataplane/server-helpers.ts';
import { PREFACE, frame, getBlock, F, T } from './h2-frames.ts';
import { fuzzRuns } from './fuzz-runs.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261206);

/** A TLS record carrying a handshake whose body is mostly random: close enough to get deep into the parser. */
const helloish = fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffff }), fc.boolean())
  .map(([body, recLen, hsLen, exact]) => {
    const hs = new Uint8Array(4 + body.length);
    hs[0] = 0x01;
    const l = exact ? body.length : hsLen;
    hs[1] = (l >> 16) & 0xff; hs[2] = (l >> 8) & 0xff; hs[3] = l & 0xff;
    hs.set(body, 4);
    const rl = exact ? hs.length : recLen;
    return new Uint8Array([0x16, 0x03, 0x01, (rl >> 8) & 0xff, rl & 0xff, ...hs]);
  });

test('fuzz: parseClientHello never throws, and answers incomplete, hello or invalid', () => {
  fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), helloish), fc.integer({ min: 1, max: 40_000 }), (bytes, max) => {
    const r = parseClientHello(bytes, max);
    if (r.kind !== 'incomplete' && r.kind !== 'hello' && r.kind !== 'invalid') throw new Error(`unexpected ${JSON.stringify(r)}`);
    if (r.kind === 'hello' && r.serverName !== undefined && typeof r.serverName !== 'string') throw new Error('serverName is not a string');
  }), { numRuns: fuzzRuns(3000), seed: SEED });
});

function send(port: number, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write(bytes));
    s.on('error', () => {});
    s.on('data', () => {});
    s.setTimeout(300, () => s.destroy());
    s.on('close', () => resolve());
  });
}

const requestish = fc.oneof(
  fc.uint8Array({ maxLength: 400 }),
  // A plausible request head with random damage.
  fc.tuple(fc.constantFrom('GET', 'POST', 'PRI', 'CONNECT', 'G\u0000T'), fc.string({ maxLength: 40 }), fc.array(fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 30 })), { maxLength: 6 }), fc.string({ maxLength: 50 }))
    .map(([m, target, headers, body]) => new TextEncoder().encode(`${m} ${target} HTTP/1.1\r\nHost: www.example\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`)),
  // h2c: the preface, then random frames.
  fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 9 }), fc.uint8Array({ maxLength: 60 })), { maxLength: 8 })
    .map((frames) => Buffer.concat([PREFACE, frame(T.SETTINGS, 0, 0), frame(T.HEADERS, F.END_HEADERS | F.END_STREAM, 1, getBlock()), ...frames.map(([t, f, s, p]) => frame(t, f, s, Buffer.from(p)))])),
);

test('fuzz: random bytes on an HTTP port and a TLS-routing port never crash the process; a normal request is served after', async () => {
  const echo = await H.startEcho('root');
  const http = H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules: [H.httpRule({}, { backends: [H.backend('root', echo.port)] })] }]);
  const tls = { id: 't', source: { kind: 'Gateway' as const, namespace: 'ns', name: 'gw', sectionName: 't' }, protocol: 'TLS' as const, hostname: 'pass.example',
    tls: { mode: 'Passthrough' as const, certificates: [] }, passthrough: [{ hostname: 'pass.example', routes: [] }] };
  const dp = createDataplane();
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);
  process.on('uncaughtException', onCrash);
  try {
    const res = await dp.apply(H.table(H.gateway([H.port(0, [http]), H.port(1, [tls as never])])));
    const httpPort = H.boundPort(res, 0);
    const tlsPort = H.boundPort(res, 1);
    await fc.assert(fc.asyncProperty(requestish, fc.boolean(), async (bytes, toTls) => {
      await send(toTls ? tlsPort : httpPort, bytes);
    }), { numRuns: fuzzRuns(150), seed: SEED });
    assert.equal(crashes, []);
    assert.is((await H.h1(httpPort, { host: 'www.example' })).status, 200);
    assert.is((await H.h2(httpPort, { host: 'www.example' })).status, 200);
  } finally {
    process.off('uncaughtException', onCrash);
    await dp.close(0);
    await echo.close();
  }
});

test.run();
