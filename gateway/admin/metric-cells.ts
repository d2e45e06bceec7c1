// Per-request metrics without prom-client on the request path. prom-client's inc()/observe()
// validate the label names and build a label-hash string on every call (4-5 calls per request);
// here a request adds to plain numbers in a cell the caller keeps per series, and the cells are
// written into the prom-client metrics only when they are read (their collect() hook: a scrape,
// or a worker's getMetricsAsJSON()). Names, help, labels, bucket bounds, series order (first
// observation) and values are exactly what the same calls on prom-client would give; a test
// compares both renderings.
import type { Counter, Histogram, LabelValues } from 'prom-client';

export interface CounterCell {
  readonly labels: LabelValues<string>;
  value: number;
  /** Whether the series exists (prom-client creates it at the first inc(), even by 0). */
  listed: boolean;
}

export interface HistogramCell {
  readonly labels: LabelValues<string>;
  /** Observations per bucket (not cumulative), one slot per upper bound. */
  readonly buckets: Float64Array;
  sum: number;
  count: number;
  listed: boolean;
}

/** The series of one prom-client Counter, as cells. */
export class CounterCells {
  readonly #cells: CounterCell[] = [];

  cell(labels: LabelValues<string>): CounterCell {
    return { labels, value: 0, listed: false };
  }

  inc(c: CounterCell, n: number): void {
    if (!c.listed) {
      c.listed = true;
      this.#cells.push(c);
    }
    c.value += n;
  }

  /** For the counter's collect(): replaces its series with the cells' totals. */
  publish(counter: Counter<string>): void {
    counter.reset();
    for (const c of this.#cells) counter.inc(c.labels, c.value);
  }
}

/** prom-client's per-series histogram state (lib/histogram.js createBaseValues), which it renders. */
interface PromHistogramEntry {
  labels: LabelValues<string>;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

/** The series of one prom-client Histogram, as cells. */
export class HistogramCells {
  readonly #cells: HistogramCell[] = [];

  constructor(readonly bounds: readonly number[]) {}

  cell(labels: LabelValues<string>): HistogramCell {
    return { labels, buckets: new Float64Array(this.bounds.length), sum: 0, count: 0, listed: false };
  }

  observe(c: HistogramCell, value: number): void {
    if (!c.listed) {
      c.listed = true;
      this.#cells.push(c);
    }
    c.sum += value;
    c.count++;
    // prom-client's findBound: the first bound >= value; beyond the last, only +Inf (the count).
    const b = this.bounds;
    for (let i = 0; i < b.length; i++) {
      if (value <= b[i]!) {
        c.buckets[i]!++;
        return;
      }
    }
  }

  /**
   * For the histogram's collect(): replaces its series with the cells. prom-client has no public
   * setter for a histogram's state, so its per-series entries are written in the shape it keeps
   * (prom-client is pinned by the lockfile; metric-cells.test.ts fails if that shape changes).
   */
  publish(histogram: Histogram<string>): void {
    histogram.reset();
    const map = (histogram as unknown as { hashMap: Record<string, PromHistogramEntry> }).hashMap;
    const b = this.bounds;
    for (let i = 0; i < this.#cells.length; i++) {
      const c = this.#cells[i]!;
      const bucketValues: Record<number, number> = {};
      for (let j = 0; j < b.length; j++) bucketValues[b[j]!] = c.buckets[j]!;
      // Keys only need to be unique: the cells are the only writers of this histogram.
      map[`s${i}`] = { labels: c.labels, bucketValues, sum: c.sum, count: c.count };
    }
  }
}
