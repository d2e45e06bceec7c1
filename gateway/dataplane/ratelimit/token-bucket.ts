// Local rate limits: one token bucket per counter key, in this process's memory. A bucket holds
// `requests` tokens and refills continuously at requests/windowMs; a request takes one.
// Memory is bounded: a full bucket is the same as no bucket, so full ones are dropped first.

export interface Take {
  allowed: boolean;
  limit: number;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Milliseconds until the bucket is full again (X-RateLimit-Reset). */
  resetMs: number;
  /** Milliseconds until the next token (Retry-After when denied). */
  retryMs: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const MAX_BUCKETS = 100_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(readonly requests: number, readonly windowMs: number, private readonly now: () => number = () => performance.now()) {
    this.perMs = requests / windowMs;
  }

  take(key: string): Take {
    const t = this.now();
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= MAX_BUCKETS) this.sweep(t);
      b = { tokens: this.requests, at: t };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.requests, b.tokens + (t - b.at) * this.perMs);
      b.at = t;
    }
    const allowed = b.tokens >= 1;
    if (allowed) b.tokens -= 1;
    const missing = this.requests - b.tokens;
    return {
      allowed,
      limit: this.requests,
      remaining: Math.floor(b.tokens),
      resetMs: Math.ceil(missing / this.perMs),
      retryMs: allowed ? 0 : Math.ceil((1 - b.tokens) / this.perMs),
    };
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(t: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + (t - b.at) * this.perMs >= this.requests) this.buckets.delete(k);
    }
    // Still full of partly used buckets (a key-spraying client): forget the oldest half.
    if (this.buckets.size >= MAX_BUCKETS) {
      let drop = this.buckets.size >> 1;
      for (const k of this.buckets.keys()) {
        if (drop-- <= 0) break;
        this.buckets.delete(k);
      }
    }
  }
}
