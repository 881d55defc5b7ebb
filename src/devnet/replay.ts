import { asOf, type Dataset } from "../domain/dataset.ts";
import { KeelError } from "../domain/errors.ts";

/** Market values the simulator takes from history instead of its synthetic processes. */
export interface MarketScript {
  /** Unix seconds the replay starts at (the devnet chain's first block time). */
  readonly start: number;
  /** Dataset pools replayed by the ERC-4626 targets, in target order. */
  readonly pools: readonly string[];
  /** APR in % of the i-th target at chain time t, when the dataset has it. */
  aprPct(target: number, t: number): number | undefined;
  baseFeeGwei(t: number): number | undefined;
  /** USD price of the vault's base asset (its peg) at t. */
  basePriceUsd(t: number): number | undefined;
}

const STABLES = ["USDC", "USDT", "DAI"];
const RATE_STALENESS_SECONDS = 3 * 86_400;
const PRICE_STALENESS_SECONDS = 3 * 86_400;

/**
 * Replays a keel dataset on the devnet: the i-th ERC-4626 target earns the APR of the i-th USD
 * stablecoin lending pool (pools ordered by id), the base fee follows gas.csv and the base asset is
 * priced like USDC, from the first time every chosen pool has data (or `startAt`).
 */
export function datasetScript(dataset: Dataset, opts: { targets: number; startAt?: number }): MarketScript {
  const pools = dataset.pools
    .filter(
      (p) =>
        p.kind === "lending" &&
        STABLES.includes(p.asset.toUpperCase()) &&
        (dataset.rates.get(p.poolId)?.length ?? 0) > 0,
    )
    .map((p) => p.poolId)
    .sort()
    .slice(0, opts.targets);
  if (pools.length < opts.targets) {
    throw new KeelError(
      "DATASET_TOO_SMALL",
      `dataset has ${pools.length} USD stablecoin lending pools, the devnet needs ${opts.targets}`,
    );
  }
  const series = pools.map((id) => dataset.rates.get(id) ?? []);
  const start = opts.startAt ?? Math.max(...series.map((s) => s[0]?.t ?? 0));
  const usdc = dataset.prices.get("USDC") ?? [];
  return {
    start,
    pools,
    aprPct: (i, t) => {
      const s = series[i];
      return s ? asOf(s, t, RATE_STALENESS_SECONDS)?.aprPct : undefined;
    },
    baseFeeGwei: (t) => asOf(dataset.gas, t, RATE_STALENESS_SECONDS)?.gwei,
    basePriceUsd: (t) => asOf(usdc, t, PRICE_STALENESS_SECONDS)?.priceUsd,
  };
}
