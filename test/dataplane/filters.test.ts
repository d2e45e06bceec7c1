// Redirect, rewrite and header-modifier filters: the conformance request/expectation pairs as
// unit tests, and the same filters through real sockets.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { redirectLocation } from '../../gateway/dataplane/http/filters/request-redirect.ts';
import { compilePathModifier, replacePrefix } from '../../gateway/dataplane/http/filters/path-modifier.ts';
import { applyModifier, compileModifier } from '../../gateway/dataplane/http/filters/request-header-modifier.ts';
import type { PathMatchIR, RedirectIR } from '../../gateway/ir/index.ts';
import { createDataplane } from '../../gateway/dataplane/index.ts';
import * as H from './server-helpers.ts';

const prefix = (v: string): PathMatchIR => ({ type: 'PathPrefix', value: v });

function loc(ir: RedirectIR, match: PathMatchIR, path: string, o: { scheme?: string; host?: string; listenerPort?: number; query?: string } = {}): string {
  return redirectLocation(ir, { scheme: o.scheme ?? 'http', host: o.host ?? 'gw.local', path, query: o.query ?? '' }, { listenerPort: o.listenerPort ?? 80 }, compilePathModifier(ir.path, match));
}

test('replacePrefix: the spec slash handling', () => {
  assert.is(replacePrefix('/foo/x', '/foo', '/bar'), '/bar/x');
  assert.is(replacePrefix('/foo', '/foo', '/bar'), '/bar');
  assert.is(replacePrefix('/foo/', '/foo', '/bar'), '/bar/');
  assert.is(replacePrefix('/foo/x', '/foo', '/'), '/x');
  assert.is(replacePrefix('/foo', '/foo', '/'), '/');
  assert.is(replacePrefix('/foo/x', '/foo/', '/bar/'), '/bar/x');
  assert.is(replacePrefix('/foo/x/y', '/foo/x', '/bar'), '/bar/y');
});

test('HTTPRouteRewritePath pairs', () => {
  const cases: [string, PathMatchIR, { type: 'ReplacePrefixMatch' | 'ReplaceFullPath'; value: string }, string][] = [
    ['/prefix/one/two', prefix('/prefix/one'), { type: 'ReplacePrefixMatch', value: '/one' }, '/one/two'],
    ['/strip-prefix/three', prefix('/strip-prefix'), { type: 'ReplacePrefixMatch', value: '/' }, '/three'],
    ['/strip-prefix', prefix('/strip-prefix'), { type: 'ReplacePrefixMatch', value: '/' }, '/'],
    ['/full/one/two', prefix('/full/one'), { type: 'ReplaceFullPath', value: '/one' }, '/one'],
    ['/full/rewrite-path-and-modify-headers/test', prefix('/full/rewrite-path-and-modify-headers'), { type: 'ReplaceFullPath', value: '/test' }, '/test'],
    ['/prefix/rewrite-path-and-modify-headers/one', prefix('/prefix/rewrite-path-and-modify-headers'), { type: 'ReplacePrefixMatch', value: '/prefix' }, '/prefix/one'],
  ];
  for (const [path, match, mod, want] of cases) assert.is(compilePathModifier(mod, match)!(path), want, path);
  // Prefix "/" match: the whole path is the rest.
  assert.is(compilePathModifier({ type: 'ReplacePrefixMatch', value: '/api' }, prefix('/'))!('/x'), '/api/x');
  assert.is(compilePathModifier({ type: 'ReplacePrefixMatch', value: '/api' }, prefix('/'))!('/'), '/api');
});

test('HTTPRouteRedirectPath pairs', () => {
  assert.is(loc({ statusCode: 302, path: { type: 'ReplacePrefixMatch', value: '/replacement-prefix' } }, prefix('/original-prefix'), '/original-prefix/lemon'), 'http://gw.local/replacement-prefix/lemon');
  assert.is(loc({ statusCode: 302, path: { type: 'ReplaceFullPath', value: '/full-path-replacement' } }, prefix('/full'), '/full/path/original'), 'http://gw.local/full-path-replacement');
  assert.is(loc({ statusCode: 302, hostname: 'example.org', path: { type: 'ReplacePrefixMatch', value: '/replacement-prefix' } }, prefix('/path-and-host'), '/path-and-host'), 'http://example.org/replacement-prefix');
  assert.is(loc({ statusCode: 301, path: { type: 'ReplacePrefixMatch', value: '/replacement-prefix' } }, prefix('/path-and-status'), '/path-and-status'), 'http://gw.local/replacement-prefix');
  assert.is(loc({ statusCode: 302, hostname: 'example.org', path: { type: 'ReplaceFullPath', value: '/replacement-full' } }, prefix('/full-path-and-host'), '/full-path-and-host'), 'http://example.org/replacement-full');
  // The query string is kept.
  assert.is(loc({ statusCode: 302, path: { type: 'ReplaceFullPath', value: '/r' } }, prefix('/q'), '/q', { query: '?a=1' }), 'http://gw.local/r?a=1');
});

test('HTTPRouteRedirectPort / Scheme / HostAndStatus pairs', () => {
  const p = prefix('/');
  assert.is(loc({ statusCode: 302, port: 8083 }, p, '/port'), 'http://gw.local:8083/port');
  assert.is(loc({ statusCode: 302, port: 8083, hostname: 'example.org' }, p, '/port-and-host'), 'http://example.org:8083/port-and-host');
  assert.is(loc({ statusCode: 302, scheme: 'https' }, p, '/scheme'), 'https://gw.local/scheme');
  assert.is(loc({ statusCode: 302, scheme: 'https', hostname: 'example.org' }, p, '/scheme-and-host'), 'https://example.org/scheme-and-host');
  assert.is(loc({ statusCode: 302, hostname: 'example.org' }, p, '/hostname-redirect'), 'http://example.org/hostname-redirect');
});

test('HTTPRouteRedirectPortAndScheme pairs (listener ports 80, 8080, 443)', () => {
  const p = prefix('/');
  const h = 'example.org';
  const r = (ir: Partial<RedirectIR>, listenerPort: number, scheme = 'http') => loc({ statusCode: 302, hostname: h, ...ir }, p, '/', { listenerPort, scheme });
  // gw80
  assert.is(r({}, 80), 'http://example.org/');
  assert.is(r({ port: 80 }, 80), 'http://example.org/');
  assert.is(r({ port: 8080 }, 80), 'http://example.org:8080/');
  assert.is(r({ scheme: 'https' }, 80), 'https://example.org/');
  assert.is(r({ scheme: 'https', port: 443 }, 80), 'https://example.org/');
  assert.is(r({ scheme: 'https', port: 8443 }, 80), 'https://example.org:8443/');
  // gw8080
  assert.is(r({}, 8080), 'http://example.org:8080/');
  assert.is(r({ port: 80 }, 8080), 'http://example.org/');
  assert.is(r({ scheme: 'https' }, 8080), 'https://example.org/');
  // gw443 (HTTPS listener)
  assert.is(r({}, 443, 'https'), 'https://example.org/');
  assert.is(r({ port: 443 }, 443, 'https'), 'https://example.org/');
  assert.is(r({ port: 8443 }, 443, 'https'), 'https://example.org:8443/');
  assert.is(r({ scheme: 'http' }, 443, 'https'), 'http://example.org/');
  assert.is(r({ scheme: 'http', port: 80 }, 443, 'https'), 'http://example.org/');
  assert.is(r({ scheme: 'http', port: 8080 }, 443, 'https'), 'http://example.org:8080/');
});

test('RequestHeaderModifier: set, add (comma-joined), remove, case-insensitive', () => {
  const m = compileModifier({
    set: [{ name: 'X-Header-Set', value: 'set-overwrites-values' }],
    add: [{ name: 'X-Header-Add', value: 'header-val-1' }, { name: 'X-Header-Add-Append', value: 'header-val-2' }],
    remove: ['X-Header-Remove'],
  });
  const headers: Record<string, string | string[]> = { 'x-header-remove': 'remove-val', 'x-header-add-append': 'append-val-1', 'x-header-set': 'set-val' };
  applyModifier(headers, m);
  assert.equal(headers, { 'x-header-add-append': 'append-val-1,header-val-2', 'x-header-set': 'set-overwrites-values', 'x-header-add': 'header-val-1' });
});

test('over sockets: redirect answers with Location, rewrite + header modifiers reach the backend, response modifier applies', async () => {
  const echo = await H.startEcho('v1');
  const dp = createDataplane();
  try {
    const mods = {
      set: [{ name: 'X-Header-Set', value: 'set-overwrites-values' }],
      add: [{ name: 'X-Header-Add', value: 'header-val-1' }, { name: 'X-Header-Add-Append', value: 'header-val-2' }],
      remove: ['x-header-remove'],
    };
    const rules = [
      H.direct(500, 'never', { path: { type: 'PathPrefix', value: '/redirect' } }, [
        { type: 'RequestRedirect', redirect: { statusCode: 301, scheme: 'https', hostname: 'example.org', path: { type: 'ReplacePrefixMatch', value: '/new' } } },
      ]),
      H.httpRule({ path: { type: 'PathPrefix', value: '/prefix/rewrite-path-and-modify-headers' } }, {
        backends: [H.backend('v1', echo.port)],
        filters: [
          { type: 'URLRewrite', rewrite: { hostname: 'rewritten.example', path: { type: 'ReplacePrefixMatch', value: '/prefix' } } },
          { type: 'RequestHeaderModifier', modifier: mods },
          { type: 'ResponseHeaderModifier', modifier: { set: [{ name: 'X-Resp', value: 'yes' }], add: [], remove: ['x-echo'] } },
        ],
      }),
    ];
    // Redirect rules carry direct only when invalid; a valid redirect rule has no backends.
    rules[0]!.direct = undefined;
    const res = await dp.apply(H.table(H.gateway([H.port(0, [H.listener('l', 'HTTP', undefined, [{ hostname: '*', rules }])])])));
    const p = res.listening[0]!.boundPort;
    const r1 = await H.h1(p, { host: 'gw.local', path: '/redirect/x?q=1' });
    assert.is(r1.status, 301);
    // Listener port is 0 in this table; an explicit https scheme implies 443, left out.
    assert.is(r1.headers.location, 'https://example.org/new/x?q=1');
    const r2 = await H.h1(p, {
      host: 'gw.local', path: '/prefix/rewrite-path-and-modify-headers/one',
      headers: { 'X-Header-Remove': 'remove-val', 'X-Header-Add-Append': 'append-val-1', 'X-Header-Set': 'set-val' },
    });
    assert.is(r2.status, 200);
    const seen = JSON.parse(r2.body);
    assert.is(seen.path, '/prefix/one');
    assert.is(seen.host, 'rewritten.example');
    assert.is(seen.headers['x-header-add'], 'header-val-1');
    assert.is(seen.headers['x-header-add-append'], 'append-val-1,header-val-2');
    assert.is(seen.headers['x-header-set'], 'set-overwrites-values');
    assert.is(seen.headers['x-header-remove'], undefined);
    assert.is(r2.headers['x-resp'], 'yes');
    assert.is(r2.headers['x-echo'], undefined);
    const r3 = await H.h2(p, { host: 'gw.local', path: '/redirect' });
    assert.is(r3.status, 301);
    assert.is(r3.headers.location, 'https://example.org/new');
  } finally {
    await dp.close();
    await echo.close();
  }
});

test.run();
