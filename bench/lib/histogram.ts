/**
 * A log-linear (HDR-style) latency histogram in microseconds: 64 linear
 * sub-buckets per power of two, so every recorded value keeps 1.6 % precision
 * from 1 µs to hours. Its plain `counts` array merges across worker processes.
 */
const SUB_BITS = 7;
const SUB = 1 << SUB_BITS;
const HALF = SUB / 2;
const BUCKETS = SUB + 48 * HALF;

export class Histogram {
  readonly counts: number[];
  total = 0;
  max = 0;

  constructor(counts?: number[]) {
    this.counts = counts ? [...counts] : new Array<number>(BUCKETS).fill(0);
    for (const c of this.counts) this.total += c;
    if (counts) this.max = Histogram.#upperOf(this.#highestNonEmpty());
  }

  /** Values below 128 get a bucket each; above, 64 buckets per power of two. */
  static indexOf(us: number): number {
    const v = Math.max(0, Math.floor(us));
    if (v < SUB) return v;
    const shift = Math.floor(Math.log2(v)) - SUB_BITS + 1;
    const m = Math.floor(v / 2 ** shift);
    return Math.min(BUCKETS - 1, SUB + (shift - 1) * HALF + (m - HALF));
  }

  /** The largest value a bucket holds, so percentiles never understate. */
  static #upperOf(index: number): number {
    if (index < SUB) return index;
    const k = index - SUB;
    const shift = Math.floor(k / HALF) + 1;
    const m = (k % HALF) + HALF;
    return (m + 1) * 2 ** shift - 1;
  }

  #highestNonEmpty(): number {
    for (let i = this.counts.length - 1; i >= 0; i--) if (this.counts[i]) return i;
    return 0;
  }

  record(us: number): void {
    this.counts[Histogram.indexOf(us)]!++;
    this.total++;
    if (us > this.max) this.max = us;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
    this.max = Math.max(this.max, other.max);
  }

  /** The value at percentile `p` (0–100), in µs; the exact max at 100. */
  percentile(p: number): number {
    if (this.total === 0) return NaN;
    if (p >= 100) return this.max;
    const rank = Math.ceil((p / 100) * this.total);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(Histogram.#upperOf(i), this.max);
    }
    return this.max;
  }

  /** p50, p99, p99.9 and max in ms. */
  summary(): Record<string, number> {
    const ms = (us: number): number => us / 1000;
    return { p50: ms(this.percentile(50)), p99: ms(this.percentile(99)), 'p99.9': ms(this.percentile(99.9)), max: ms(this.max) };
  }
}
