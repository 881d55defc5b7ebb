/** One observation of a yield index (value per share) at a chain time. */
export interface IndexPoint {
  readonly t: number;
  readonly v: number;
}

/**
 * Measures the APR of a source whose value per share grows only with yield (ERC-4626 share price,
 * sqrt(k) per LP token): growth between the oldest observation inside the window and now, annualised.
 */
export class RateTracker {
  readonly #windowSeconds: number;
  readonly #series = new Map<string, IndexPoint[]>();

  constructor(windowSeconds: number) {
    this.#windowSeconds = windowSeconds;
  }

  /**
   * APR in % for `id` at `now`. On the first observation it seeds the series with `readPast()` (an
   * earlier block read on-chain), so a fresh start does not need to wait; NaN until two points exist.
   */
  async apr(id: string, now: IndexPoint, readPast: () => Promise<IndexPoint | undefined>): Promise<number> {
    const first = await this.#first(id, now, readPast);
    const dt = now.t - first.t;
    if (dt <= 0 || first.v <= 0) return Number.NaN;
    return (now.v / first.v - 1) * ((365 * 86_400) / dt) * 100;
  }

  /**
   * APR in % of an accrual index (cumulative income per unit, e.g. Uniswap v3 fee growth per unit of liquidity)
   * against `principal`, the value of one unit now: (v_now − v_first) / principal, annualised. Same series rules.
   */
  async accrualApr(
    id: string,
    now: IndexPoint,
    principal: number,
    readPast: () => Promise<IndexPoint | undefined>,
  ): Promise<number> {
    const first = await this.#first(id, now, readPast);
    const dt = now.t - first.t;
    if (dt <= 0 || !(principal > 0)) return Number.NaN;
    return ((now.v - first.v) / principal) * ((365 * 86_400) / dt) * 100;
  }

  async #first(id: string, now: IndexPoint, readPast: () => Promise<IndexPoint | undefined>): Promise<IndexPoint> {
    let series = this.#series.get(id);
    if (!series) {
      series = [];
      this.#series.set(id, series);
      const past = await readPast().catch(() => undefined);
      if (past && past.t < now.t) series.push(past);
    }
    const last = series.at(-1);
    if (!last || last.t < now.t) series.push(now);
    while (series.length > 2 && (series[1] as IndexPoint).t <= now.t - this.#windowSeconds) series.shift();
    return series[0] as IndexPoint;
  }
}
