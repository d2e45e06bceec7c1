// An incremental translator: the same function as translate() (same table, statuses, decisions
// and problems for the same snapshot; a differential test checks it), but it remembers the
// previous translation, so one changed route costs that route's translation and the rebuild of
// the host buckets it lands in, not a translation of every route. Unchanged parts of the table
// (Gateway, port, listener, host entry) are the previous objects (===): consumers diff by identity.
import type { Snapshot } from '../model/index.ts';
import type { ResourceStatus, TranslateOptions, TranslateResult } from './api.ts';
import { createTableMemo } from './ir-table.ts';
import { createRouteMemo } from './route-memo.ts';
import { translateWith } from './translate.ts';

export interface IncrementalTranslator {
  translate(snapshot: Snapshot, options: TranslateOptions): TranslateResult;
  /**
   * Whether a status of the last result is a route's whose outcome came from the memo: it equals
   * that route's status in the translation before, except for conditions whose time was "now".
   */
  unchanged(status: ResourceStatus): boolean;
  /** Routes whose outcome came from the memo in the last translation. */
  readonly reused: number;
}

export function createIncrementalTranslator(): IncrementalTranslator {
  const routes = createRouteMemo();
  const tables = createTableMemo();
  return {
    translate: (snapshot, options) => translateWith(snapshot, options, routes, tables),
    unchanged: (status) => routes.isReused(status),
    get reused() { return routes.hits; },
  };
}
