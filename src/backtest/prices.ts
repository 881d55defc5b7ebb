import { asOf, type Dataset, type PoolInfo } from "../domain/dataset.ts";

/** USD prices from the dataset as of a time, never after it; stablecoins without a price read at $1. */
export class DatasetPrices {
  readonly data: Dataset;
  readonly stable: ReadonlySet<string>;
  readonly maxAgeSeconds: number;
  /** Symbol → number of look-ups answered with the $1 peg because the dataset had no fresh price. */
  readonly pegReads = new Map<string, number>();

  constructor(data: Dataset, stablecoins: readonly string[], maxAgeSeconds: number) {
    this.data = data;
    this.stable = new Set(stablecoins.map((s) => s.toUpperCase()));
    this.maxAgeSeconds = maxAgeSeconds;
  }

  /** The price row as of `t` (with its own time), or undefined when none is fresh. */
  observation(symbol: string, t: number): { t: number; priceUsd: number } | undefined {
    const series = this.data.prices.get(symbol.toUpperCase());
    if (!series || series.length === 0) return undefined;
    const p = asOf(series, t, this.maxAgeSeconds);
    return p && p.priceUsd > 0 ? p : undefined;
  }

  /** USD price of one token at `t`; a stablecoin with no fresh row is $1 (counted); otherwise undefined. */
  token(symbol: string, t: number): number | undefined {
    const obs = this.observation(symbol, t);
    if (obs) return obs.priceUsd;
    const s = symbol.toUpperCase();
    if (this.stable.has(s)) {
      this.pegReads.set(s, (this.pegReads.get(s) ?? 0) + 1);
      return 1;
    }
    return undefined;
  }

  /**
   * USD price of one unit of a pool's position: the token's price for single-asset pools, and the
   * geometric mean of both tokens for a 50/50 constant-product LP (its value tracks √(Px·Py)).
   */
  unit(pool: Pick<PoolInfo, "asset" | "kind">, t: number): number | undefined {
    const tokens = pool.asset.split("/");
    if (tokens.length === 1 || pool.kind !== "lp") return this.token(tokens[0] ?? pool.asset, t);
    const [a, b] = tokens.map((s) => this.token(s, t));
    return a !== undefined && b !== undefined ? Math.sqrt(a * b) : undefined;
  }

  /** ETH in USD at `t` (for gas), or undefined before the series starts. */
  eth(t: number): number | undefined {
    return this.observation("ETH", t)?.priceUsd ?? asOf(this.data.prices.get("ETH") ?? [], t, 30 * 86_400)?.priceUsd;
  }

  /** Gas price paid (gwei) as of `t`: the last row at or before it. */
  gasGwei(t: number): number | undefined {
    return asOf(this.data.gas, t, 30 * 86_400)?.gwei;
  }
}
