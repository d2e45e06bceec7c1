// One case table run against both matchers (LinearMatcher = reference, HostIndexMatcher = fast).
import type { HttpMatchIR, HttpRuleIR } from '../../gateway/ir/index.ts';
import type { MatchRequest } from '../../gateway/dataplane/match/index.ts';

export function rule(id: string, match: Partial<HttpMatchIR> & Pick<HttpMatchIR, 'path'>): HttpRuleIR {
  return {
    id,
    route: { kind: 'HTTPRoute', namespace: 'ns', name: id, ruleIndex: 0, matchIndex: 0 },
    match: { headers: [], queryParams: [], ...match },
    filters: [],
    backends: [],
    timeouts: {},
    grpc: false,
  };
}

export function req(path: string, opts: { method?: string; headers?: Record<string, string | string[]>; query?: string } = {}): MatchRequest {
  return { method: opts.method ?? 'GET', path, headers: opts.headers ?? {}, query: opts.query ?? '' };
}

export interface MatcherCase {
  name: string;
  rules: HttpRuleIR[];
  /** [request, expected rule id or undefined for no match] */
  expect: [MatchRequest, string | undefined][];
}

const prefix = (v: string) => ({ type: 'PathPrefix' as const, value: v });
const exact = (v: string) => ({ type: 'Exact' as const, value: v });
const regex = (v: string) => ({ type: 'RegularExpression' as const, value: v });

export const cases: MatcherCase[] = [
  {
    name: 'path prefix is segment-aware',
    rules: [rule('foo', { path: prefix('/foo') })],
    expect: [
      [req('/foo'), 'foo'],
      [req('/foo/'), 'foo'],
      [req('/foo/bar'), 'foo'],
      [req('/foobar'), undefined],
      [req('/'), undefined],
      [req('/fo'), undefined],
    ],
  },
  {
    name: 'trailing slash in the prefix value is ignored',
    rules: [rule('foo', { path: prefix('/foo/') })],
    expect: [
      [req('/foo'), 'foo'],
      [req('/foo/'), 'foo'],
      [req('/foo/x'), 'foo'],
      [req('/foox'), undefined],
    ],
  },
  {
    name: 'prefix / matches everything',
    rules: [rule('root', { path: prefix('/') })],
    expect: [
      [req('/'), 'root'],
      [req('/anything/at/all'), 'root'],
    ],
  },
  {
    name: 'exact path',
    rules: [rule('one', { path: exact('/one') }), rule('two', { path: exact('/two/') })],
    expect: [
      [req('/one'), 'one'],
      [req('/one/'), undefined],
      [req('/two/'), 'two'],
      [req('/two'), undefined],
      [req('/ONE'), undefined],
    ],
  },
  {
    name: 'regular expression is a full match',
    rules: [rule('re', { path: regex('/v[0-9]+/items') })],
    expect: [
      [req('/v1/items'), 're'],
      [req('/v22/items'), 're'],
      [req('/v1/items/x'), undefined],
      [req('/x/v1/items'), undefined],
    ],
  },
  {
    name: 'method',
    rules: [rule('post', { path: prefix('/'), method: 'POST' }), rule('any', { path: prefix('/') })],
    expect: [
      [req('/', { method: 'POST' }), 'post'],
      [req('/', { method: 'GET' }), 'any'],
    ],
  },
  {
    name: 'headers: all must hold, names case-insensitive, regex',
    rules: [
      rule('both', { path: prefix('/'), headers: [{ name: 'version', type: 'Exact', value: 'two' }, { name: 'color', type: 'Exact', value: 'orange' }] }),
      rule('re', { path: prefix('/'), headers: [{ name: 'x-id', type: 'RegularExpression', value: '[a-f0-9]{4}' }] }),
      rule('version', { path: prefix('/'), headers: [{ name: 'version', type: 'Exact', value: 'two' }] }),
    ],
    expect: [
      [req('/', { headers: { version: 'two', color: 'orange' } }), 'both'],
      [req('/', { headers: { version: 'two', color: 'blue' } }), 'version'],
      [req('/', { headers: { version: 'TWO' } }), undefined],
      [req('/', { headers: { 'x-id': 'ab12' } }), 're'],
      [req('/', { headers: { 'x-id': 'ab12x' } }), undefined],
      [req('/', {}), undefined],
      // Repeated headers are compared comma-joined, as RFC 9110 folds them.
      [req('/', { headers: { version: ['two', 'three'] } }), undefined],
    ],
  },
  {
    name: 'query params: all must hold, first value wins, names case-sensitive',
    rules: [
      rule('animal', { path: prefix('/'), queryParams: [{ name: 'animal', type: 'Exact', value: 'whale' }, { name: 'color', type: 'Exact', value: 'blue' }] }),
      rule('re', { path: prefix('/'), queryParams: [{ name: 'id', type: 'RegularExpression', value: '[0-9]+' }] }),
    ],
    expect: [
      [req('/', { query: '?animal=whale&color=blue' }), 'animal'],
      [req('/', { query: '?color=blue&animal=whale' }), 'animal'],
      [req('/', { query: '?animal=whale' }), undefined],
      [req('/', { query: '?animal=whale&animal=dolphin&color=blue' }), 'animal'],
      [req('/', { query: '?animal=dolphin&animal=whale&color=blue' }), undefined],
      [req('/', { query: '?Animal=whale&color=blue' }), undefined],
      [req('/', { query: '?id=42' }), 're'],
      [req('/', { query: '?id=4a' }), undefined],
      [req('/', { query: '?animal=wh%61le&color=blue' }), 'animal'],
    ],
  },
  {
    name: 'IR order is precedence: the first rule that holds wins, across path kinds',
    rules: [
      rule('exact', { path: exact('/a/b') }),
      rule('long', { path: prefix('/a/b') }),
      rule('re', { path: regex('/a/.*') }),
      rule('short-hdr', { path: prefix('/a'), headers: [{ name: 'h', type: 'Exact', value: '1' }] }),
      rule('short', { path: prefix('/a') }),
      rule('root', { path: prefix('/') }),
    ],
    expect: [
      [req('/a/b'), 'exact'],
      [req('/a/b/c'), 'long'],
      [req('/a/c'), 're'],
      [req('/a', { headers: { h: '1' } }), 'short-hdr'],
      [req('/a'), 'short'],
      [req('/b'), 'root'],
    ],
  },
  {
    name: 'a later rule is not picked when an earlier one also matches (no reordering)',
    rules: [
      rule('root-first', { path: prefix('/') }),
      rule('exact-later', { path: exact('/x') }),
    ],
    expect: [[req('/x'), 'root-first']],
  },
  {
    name: 'exact and prefix on the same path keep their order',
    rules: [
      rule('p-method', { path: prefix('/p'), method: 'PUT' }),
      rule('e', { path: exact('/p') }),
      rule('p', { path: prefix('/p') }),
    ],
    expect: [
      [req('/p', { method: 'PUT' }), 'p-method'],
      [req('/p'), 'e'],
      [req('/p/q'), 'p'],
    ],
  },
  {
    name: 'regexes indexed by their literal segment prefix match exactly as written',
    rules: [
      rule('opt', { path: regex('/a/b?c/.*') }),
      rule('plus', { path: regex('/x/y+/z') }),
      rule('alt', { path: regex('/p/1|/q/2') }),
      rule('ci', { path: regex('(?i)/up/.*') }),
      rule('deep', { path: regex('/d/e/f[0-9]+') }),
      rule('noslash', { path: regex('/n[0-9]+') }),
      rule('star', { path: regex('/s/t*/u') }),
    ],
    expect: [
      [req('/a/c/x'), 'opt'],
      [req('/a/bc/x'), 'opt'],
      [req('/x/yyy/z'), 'plus'],
      [req('/q/2'), 'alt'],
      [req('/p/1'), 'alt'],
      [req('/UP/x'), 'ci'],
      [req('/d/e/f12'), 'deep'],
      [req('/d/e/f'), undefined],
      [req('/n42'), 'noslash'],
      [req('/s//u'), 'star'],
      [req('/s/ttt/u'), 'star'],
      [req('/a'), undefined],
    ],
  },
];
