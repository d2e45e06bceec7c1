// A table of hostile requests, sent as raw bytes over real sockets, with the outcome each must
// get: path confusion (RFC 3986 §6.2.2 normalisation before matching), Host confusion and
// request smuggling. With an "/admin" route (standing in for one behind ExternalAuth) and a "/"
// route, no spelling of /admin may reach the "/" route's backend, and no request may reach a
// backend in a form it could frame differently from the gateway.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import http2 from 'node:http2';
import { createDataplane, type Dataplane } from '../../gateway/dataplane/index.ts';
import type { EncodedSlashAction } from '../../gateway/ir/index.ts';
import { normalizePath, removeDotSegments } from '../../gateway/dataplane/http/normalize-path.ts';
import * as H from '../dataplane/server-helpers.ts';

/** Writes `raw` on a fresh connection and returns everything the gateway sent until it closed (or 3 s). */
function rawExchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // write, not end: a half-close is a client going away (node aborts the request).
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write(raw));
    let got = '';
    s.setEncoding('latin1');
    s.on('data', (c) => (got += c));
    s.setTimeout(3000, () => s.destroy());
    s.on('close', () => resolve(got));
    s.on('error', reject);
  });
}

function parse(answer: string): { status: number; body: string; headers: string } {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(answer);
  const split = answer.indexOf('\r\n\r\n');
  const headers = answer.slice(0, split);
  let body = split < 0 ? '' : answer.slice(split + 4);
  if (/\r\ntransfer-encoding: chunked/i.test(headers)) {
    let out = '';
    for (let at = 0; ;) {
      const eol = body.indexOf('\r\n', at);
      const size = parseInt(body.slice(at, eol), 16);
      if (!(size > 0)) break;
      out += body.slice(eol + 2, eol + 2 + size);
      at = eol + 2 + size + 2;
    }
    body = out;
  }
  return { status: m ? Number(m[1]) : 0, headers, body };
}

interface World {
  dp: Dataplane;
  port: number;
  /** Requests the backends received completely (head and whole body). */
  completed(): number;
  close(): Promise<void>;
}

async function world(encodedSlash?: EncodedSlashAction): Promise<World> {
  const admin = await H.startEcho('admin');
  const root = await H.startEcho('root');
  const hostAdmin = await H.startEcho('host-admin');
  const rules = [
    H.httpRule({ path: { type: 'PathPrefix', value: '/admin' } }, { backends: [H.backend('admin', admin.port)] }),
    H.httpRule({ path: { type: 'PathPrefix', value: '/' } }, { backends: [H.backend('root', root.port)] }),
  ];
  const l = H.listener('l', 'HTTP', undefined, [
    { hostname: 'admin.example', rules: [H.httpRule({}, { backends: [H.backend('host-admin', hostAdmin.port)] })] },
    { hostname: '*', rules },
  ]);
  if (encodedSlash !== undefined) l.limits = { path: { encodedSlash } };
  let completed = 0;
  for (const b of [admin, root, hostAdmin]) b.server.on('request', (req) => req.on('end', () => completed++));
  const dp = createDataplane();
  const res = await dp.apply(H.table(H.gateway([H.port(0, [l])])));
  return {
    dp,
    completed: () => completed,
    port: H.boundPort(res, 0),
    async close() {
      await dp.close(0);
      await Promise.all([admin.close(), root.close(), hostAdmin.close()]);
    },
  };
}

// request line target (or a whole raw request) → expected status and, for 200, backend and upstream path.
type Expect = { status: number; backend?: string; path?: string; host?: string };
const PATHS: [string, Expect][] = [
  // The bypasses of the issue: each must reach the /admin route, with the normalised path upstream.
  ['/x/../admin', { status: 200, backend: 'admin', path: '/admin' }],
  ['/%61dmin', { status: 200, backend: 'admin', path: '/admin' }],
  ['//admin', { status: 200, backend: 'admin', path: '/admin' }],
  ['/./admin', { status: 200, backend: 'admin', path: '/admin' }],
  ['/%2e/admin', { status: 200, backend: 'admin', path: '/admin' }],
  ['/x/%2e%2e/admin', { status: 200, backend: 'admin', path: '/admin' }],
  // More spellings of the same.
  ['/%2E%2E/admin', { status: 200, backend: 'admin', path: '/admin' }],
  ['/x/./../admin/', { status: 200, backend: 'admin', path: '/admin/' }],
  ['///admin//users', { status: 200, backend: 'admin', path: '/admin/users' }],
  ['/ad%6din?q=%2F', { status: 200, backend: 'admin', path: '/admin?q=%2F' }],
  ['/x/..%2e/admin', { status: 200, backend: 'root', path: '/x/.../admin' }],
  ['/a/b/../../admin/x/..', { status: 200, backend: 'admin', path: '/admin/' }],
  ['/../../admin', { status: 200, backend: 'admin', path: '/admin' }],
  // Escapes of reserved and non-ASCII bytes stay escaped (upper-cased), so they are not separators.
  ['/caf%c3%a9', { status: 200, backend: 'root', path: '/caf%C3%A9' }],
  // An encoded ";" is data, not a path parameter: "/admin%3B..." is not in the /admin prefix.
  ['/admin%3bjsessionid', { status: 200, backend: 'root', path: '/admin%3Bjsessionid' }],
  // Paths a backend could split differently: refused.
  ['/admin%2fx', { status: 400 }],
  ['/x%2F..%2Fadmin', { status: 400 }],
  ['/admin%5cx', { status: 400 }],
  ['/admin\\x', { status: 400 }],
  ['/%zz', { status: 400 }],
  ['/admin%2', { status: 400 }],
  // Not the admin route.
  ['/ADMIN', { status: 200, backend: 'root', path: '/ADMIN' }],
  ['/adminx', { status: 200, backend: 'root', path: '/adminx' }],
];

test('path confusion: every spelling of /admin reaches the /admin route with the normalised path; encoded separators are refused', async () => {
  const w = await world();
  try {
    const failures: string[] = [];
    for (const [target, want] of PATHS) {
      const got = parse(await rawExchange(w.port, `GET ${target} HTTP/1.1\r\nHost: www.example\r\nConnection: close\r\n\r\n`));
      let echo: { backend?: string; path?: string } = {};
      try { echo = JSON.parse(got.body); } catch { /* not an echo */ }
      const ok = got.status === want.status && (want.backend === undefined || echo.backend === want.backend) && (want.path === undefined || echo.path === want.path);
      if (!ok) failures.push(`${target}: want ${JSON.stringify(want)}, got ${got.status} ${echo.backend ?? ''} ${echo.path ?? got.body.slice(0, 80)}`);
    }
    assert.equal(failures, []);
  } finally {
    await w.close();
  }
});

test('path confusion over HTTP/2: the same normalisation', async () => {
  const w = await world();
  const client = http2.connect(`http://127.0.0.1:${w.port}`);
  try {
    const get = (path: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
      const s = client.request({ ':path': path, ':authority': 'www.example' });
      let body = '';
      let status = 0;
      s.setEncoding('utf8');
      s.on('response', (h) => (status = Number(h[':status'])));
      s.on('data', (c) => (body += c));
      s.on('end', () => resolve({ status, body }));
      s.on('error', reject);
      s.end();
    });
    for (const [target, want] of PATHS) {
      if (target.includes('\\')) continue; // not a valid :path for node's client
      const got = await get(target);
      assert.is(got.status, want.status, target);
      if (want.backend !== undefined) {
        const echo = JSON.parse(got.body);
        assert.is(echo.backend, want.backend, target);
        assert.is(echo.path, want.path, target);
      }
    }
  } finally {
    client.destroy();
    await w.close();
  }
});

test('encoded slashes per listener: Keep routes on the encoded form and forwards it; DecodeAndRedirect answers 308', async () => {
  const keep = await world('Keep');
  try {
    const got = parse(await rawExchange(keep.port, 'GET /x%2F..%2Fadmin HTTP/1.1\r\nHost: www.example\r\nConnection: close\r\n\r\n'));
    assert.is(got.status, 200);
    assert.equal(JSON.parse(got.body).backend, 'root', 'an encoded slash is not a separator: no dot segment to remove');
    assert.is(JSON.parse(got.body).path, '/x%2F..%2Fadmin');
    const bs = parse(await rawExchange(keep.port, 'GET /admin%5cx HTTP/1.1\r\nHost: www.example\r\nConnection: close\r\n\r\n'));
    assert.is(JSON.parse(bs.body).path, '/admin%5Cx');
  } finally {
    await keep.close();
  }
  const redirect = await world('DecodeAndRedirect');
  try {
    const got = parse(await rawExchange(redirect.port, 'GET /a%2F..%2Fadmin?x=1 HTTP/1.1\r\nHost: www.example\r\nConnection: close\r\n\r\n'));
    assert.is(got.status, 308);
    assert.match(got.headers, /\r\nlocation: \/admin\?x=1\r\n/i);
  } finally {
    await redirect.close();
  }
});

test('Host confusion: case, trailing dot and port are normalised before matching; an absolute-form target wins over Host', async () => {
  const w = await world();
  try {
    const cases: [string, Expect][] = [
      ['GET /x HTTP/1.1\r\nHost: ADMIN.Example\r\n', { status: 200, backend: 'host-admin' }],
      ['GET /x HTTP/1.1\r\nHost: admin.example.\r\n', { status: 200, backend: 'host-admin' }],
      ['GET /x HTTP/1.1\r\nHost: admin.example:80\r\n', { status: 200, backend: 'host-admin' }],
      ['GET /x HTTP/1.1\r\nHost: admin.example.:8080\r\n', { status: 200, backend: 'host-admin' }],
      // RFC 9112 §3.2.2: the target's authority replaces Host, and that is what goes upstream.
      ['GET http://admin.example/x HTTP/1.1\r\nHost: www.example\r\n', { status: 200, backend: 'host-admin', host: 'admin.example' }],
      ['GET http://www.example/admin HTTP/1.1\r\nHost: admin.example\r\n', { status: 200, backend: 'admin', host: 'www.example' }],
      ['GET http://www.example/x/../admin HTTP/1.1\r\nHost: admin.example\r\n', { status: 200, backend: 'admin', path: '/admin' }],
      ['GET /x HTTP/1.1\r\nHost: admin.example\r\nHost: www.example\r\n', { status: 400 }],
      ['GET /x HTTP/1.1\r\nHost: admin example\r\n', { status: 400 }],
      ['GET /x HTTP/1.1\r\nHost: user@admin.example\r\n', { status: 400 }],
      ['GET /x HTTP/1.1\r\n', { status: 400 }],
    ];
    const failures: string[] = [];
    for (const [head, want] of cases) {
      const got = parse(await rawExchange(w.port, `${head}Connection: close\r\n\r\n`));
      let echo: { backend?: string; path?: string; host?: string } = {};
      try { echo = JSON.parse(got.body); } catch { /* not an echo */ }
      const ok = got.status === want.status && (want.backend === undefined || echo.backend === want.backend)
        && (want.path === undefined || echo.path === want.path) && (want.host === undefined || echo.host === want.host);
      if (!ok) failures.push(`${JSON.stringify(head)}: want ${JSON.stringify(want)}, got ${got.status} ${JSON.stringify(echo).slice(0, 120)}`);
    }
    assert.equal(failures, []);
  } finally {
    await w.close();
  }
});

test('request smuggling: ambiguous framing is refused before any backend sees a complete request', async () => {
  const w = await world();
  try {
    // 400: refused when the head arrives. closed: the head was fine, the body is not; the
    // upstream request is aborted mid-body, so the backend never sees it complete.
    const cases: [string, '400' | 'closed', string][] = [
      ['CL and TE together', '400', 'POST /x HTTP/1.1\r\nHost: www.example\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
      ['two Content-Lengths', '400', 'POST /x HTTP/1.1\r\nHost: www.example\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde'],
      ['TE other than chunked', '400', 'POST /x HTTP/1.1\r\nHost: www.example\r\nTransfer-Encoding: identity\r\n\r\nabcd'],
      ['TE gzip, chunked', '400', 'POST /x HTTP/1.1\r\nHost: www.example\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n'],
      ['chunked not last', '400', 'POST /x HTTP/1.1\r\nHost: www.example\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n'],
      ['obsolete line folding', '400', 'GET /x HTTP/1.1\r\nHost: www.example\r\nX-A: one\r\n two\r\n\r\n'],
      ['whitespace before the colon', '400', 'GET /x HTTP/1.1\r\nHost: www.example\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n'],
      ['bare LF line ends', '400', 'GET /x HTTP/1.1\nHost: www.example\n\n'],
      ['NUL in a header value', '400', 'GET /x HTTP/1.1\r\nHost: www.example\r\nX-A: a\u0000b\r\n\r\n'],
      ['negative Content-Length', '400', 'POST /x HTTP/1.1\r\nHost: www.example\r\nContent-Length: -1\r\n\r\n'],
      ['invalid chunk size', 'closed', 'POST /x HTTP/1.1\r\nHost: www.example\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n'],
      ['chunk longer than its size', 'closed', 'POST /x HTTP/1.1\r\nHost: www.example\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcdef\r\n0\r\n\r\n'],
    ];
    const failures: string[] = [];
    for (const [name, want, raw] of cases) {
      const before = w.completed();
      const answer = await rawExchange(w.port, raw);
      const got = parse(answer);
      const outcome = got.status === 400 ? '400' : answer === '' ? 'closed' : `answered ${got.status}`;
      if (outcome !== want) failures.push(`${name}: want ${want}, got ${outcome} ${got.body.slice(0, 80)}`);
      await new Promise((r) => setTimeout(r, 20));
      if (w.completed() !== before) failures.push(`${name}: a backend received it completely`);
    }
    assert.equal(failures, []);
  } finally {
    await w.close();
  }
});

test('HTTP/2 to HTTP/1.1 downgrade: a content-length that disagrees with the body never reaches the backend as a request', async () => {
  const w = await world();
  const client = http2.connect(`http://127.0.0.1:${w.port}`);
  client.on('error', () => {});
  try {
    const outcome = await new Promise<string>((resolve) => {
      const s = client.request({ ':method': 'POST', ':path': '/x', ':authority': 'www.example', 'content-length': '10' });
      let status = 0;
      let body = '';
      s.on('response', (h) => (status = Number(h[':status'])));
      s.on('data', (c) => (body += c));
      s.on('end', () => resolve(`${status} ${body}`));
      s.on('error', (e: Error) => resolve(`error ${e.message}`));
      s.end('abc');
    });
    // Either the stream is reset (nghttp2 checks content-length against DATA) or the gateway answers 400:
    // the echo backend never answers with the short body.
    assert.not.match(outcome, /"backend":"root"/, outcome);
  } finally {
    client.destroy();
    await w.close();
  }
});

test('normalizePath: unit cases and idempotence', () => {
  assert.equal(normalizePath('/a/b', 'Reject'), { kind: 'ok', path: '/a/b' });
  assert.equal(normalizePath('*', 'Reject'), { kind: 'ok', path: '*' });
  assert.equal(normalizePath('/a/%7e/%41', 'Reject'), { kind: 'ok', path: '/a/~/A' });
  assert.equal(normalizePath('/a/%25%32%46', 'Reject'), { kind: 'ok', path: '/a/%252F' }, 'no double decoding');
  assert.is(removeDotSegments('/'), '/');
  assert.is(removeDotSegments('/..'), '/');
  assert.is(removeDotSegments('/a/.'), '/a/');
  assert.is(removeDotSegments('/a/b/c/./../../g'), '/a/g');
  for (const [target] of PATHS) {
    const once = normalizePath(target.split('?')[0]!, 'Keep');
    if (once.kind !== 'ok') continue;
    const first = once.path;
    const twice = normalizePath(first, 'Keep');
    assert.is(twice.kind === 'ok' ? twice.path : '', first, `normalising ${target} twice changes nothing`);
  }
});

test.run();
