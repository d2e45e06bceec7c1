// HTTPRoute match value types: one class per match kind, built with static factories.
import type { HTTPRouteMatch } from '../../gateway/model/index.ts';
import { compact, nonEmpty, sortedBy } from '../base.ts';

/** matches[].path */
export class PathMatch {
  /** The path must equal `value`. */
  public static exact(value: string): PathMatch {
    return new PathMatch('Exact', value);
  }
  /** The path must start with `value`, on "/" boundaries ("/api" matches "/api/x", not "/apix"). */
  public static prefix(value: string): PathMatch {
    return new PathMatch('PathPrefix', value);
  }
  /** The path must match a regular expression (RE2 syntax in Portico). */
  public static regex(value: string): PathMatch {
    return new PathMatch('RegularExpression', value);
  }

  private constructor(public readonly type: string, public readonly value: string) {
    if (type !== 'RegularExpression') {
      if (!value.startsWith('/')) throw new Error(`path "${value}" must start with "/"; write "/${value}"`);
      if (/\/\/|\/\.\.?(\/|$)|%2f|%2F|#/.test(value)) {
        throw new Error(`path "${value}" contains "//", "/./", "/../", "%2f" or "#"; use a normalized path`);
      }
    }
    if (value.length > 1024) throw new Error(`path "${value.slice(0, 40)}..." is longer than 1024 characters`);
  }

  /** @internal */
  public _toKube() {
    return { type: this.type, value: this.value };
  }
}

function checkHeaderName(name: string): void {
  if (!/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/.test(name)) {
    throw new Error(`header name "${name}" is not a valid HTTP token; use letters, digits and -`);
  }
}

/** matches[].headers[] */
export class HeaderMatch {
  /** Header `name` must equal `value` (names compare case-insensitively). */
  public static exact(name: string, value: string): HeaderMatch {
    return new HeaderMatch('Exact', name, value);
  }
  /** Header `name` must match a regular expression. */
  public static regex(name: string, value: string): HeaderMatch {
    return new HeaderMatch('RegularExpression', name, value);
  }
  private constructor(public readonly type: string, public readonly name: string, public readonly value: string) {
    checkHeaderName(name);
  }
  /** @internal */
  public _toKube() {
    return { type: this.type, name: this.name, value: this.value };
  }
}

/** matches[].queryParams[] */
export class QueryParamMatch {
  /** Query parameter `name` must equal `value` (names compare case-sensitively). */
  public static exact(name: string, value: string): QueryParamMatch {
    return new QueryParamMatch('Exact', name, value);
  }
  /** Query parameter `name` must match a regular expression. */
  public static regex(name: string, value: string): QueryParamMatch {
    return new QueryParamMatch('RegularExpression', name, value);
  }
  private constructor(public readonly type: string, public readonly name: string, public readonly value: string) {
    checkHeaderName(name);
  }
  /** @internal */
  public _toKube() {
    return { type: this.type, name: this.name, value: this.value };
  }
}

/** matches[].method */
export enum HttpMethod {
  GET = 'GET', HEAD = 'HEAD', POST = 'POST', PUT = 'PUT', DELETE = 'DELETE',
  CONNECT = 'CONNECT', OPTIONS = 'OPTIONS', TRACE = 'TRACE', PATCH = 'PATCH',
}

/** One entry of rules[].matches: every condition given must hold. */
export interface HttpRouteMatch {
  /**
   * Path condition.
   *
   * @default - PathPrefix "/" (every path)
   */
  readonly path?: PathMatch;
  /**
   * Header conditions (all must match).
   *
   * @default - none
   */
  readonly headers?: HeaderMatch[];
  /**
   * Query parameter conditions (all must match).
   *
   * @default - none
   */
  readonly queryParams?: QueryParamMatch[];
  /**
   * Method condition.
   *
   * @default - any method
   */
  readonly method?: HttpMethod;
}

/** @internal Headers/params are sorted by name: order never changes matching, and output is stable. */
export function httpMatchToKube(m: HttpRouteMatch): HTTPRouteMatch {
  const dup = (xs: { name: string }[] | undefined, what: string, fold: boolean) => {
    const seen = new Set<string>();
    for (const x of xs ?? []) {
      const k = fold ? x.name.toLowerCase() : x.name;
      if (seen.has(k)) throw new Error(`${what} "${x.name}" is matched twice in one match; merge them into one condition`);
      seen.add(k);
    }
  };
  dup(m.headers, 'header', true);
  dup(m.queryParams, 'query parameter', false);
  return compact({
    path: m.path?._toKube(),
    headers: nonEmpty(sortedBy(m.headers ?? [], (h) => h.name.toLowerCase()).map((h) => h._toKube())),
    queryParams: nonEmpty(sortedBy(m.queryParams ?? [], (q) => q.name).map((q) => q._toKube())),
    method: m.method,
  });
}
