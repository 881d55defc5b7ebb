import type { KeelConfig } from "../config/schema.ts";
import type { BacktestSection } from "../config/sections/backtest.ts";
import type { Dataset, PoolInfo } from "../domain/dataset.ts";
import { ConfigError } from "../domain/errors.ts";

/**
 * The config the replayed keeper runs: the daemon's, with the risk limits that describe the data's
 * resolution (`backtest.dataResolution`) replaced. Nothing else differs.
 */
export function replayConfig(config: KeelConfig): KeelConfig {
  return { ...config, risk: { ...config.risk, ...config.backtest.dataResolution } };
}

/** How each configured source is valued; the counts go into the output so the assumption is visible. */
export interface SourceSelection {
  readonly pools: PoolInfo[];
  /** Sources whose asset has no price rows and is a stablecoin: valued at $1. */
  readonly valuedAtPeg: string[];
  /** Sources whose asset has no price rows and is not a stablecoin: left out. */
  readonly excludedNoPrice: string[];
  /** Pools of the dataset the vault's adapters cannot reach (another asset, or no adapter for the protocol). */
  readonly unreachable: string[];
}

/**
 * Why the vault cannot hold `pool`, or undefined when it can: a lending or vault pool must be of the
 * base asset itself, an LP pair must hold it, and the protocol must have an adapter of that kind
 * (`backtest.adapters`); a lending pool of another token is reachable through the swap leg when its
 * protocol is in `adapters.swapLending` and the token has a route (`swapRoutes`).
 */
export function unreachableBecause(pool: PoolInfo, bt: BacktestSection): string | undefined {
  const base = bt.baseAsset.toUpperCase();
  const tokens = pool.asset.toUpperCase().split("/");
  if (pool.kind === "lending" && tokens.length === 1 && tokens[0] !== base && swapRouteOf(bt, tokens[0]!)) {
    return bt.adapters.swapLending.includes(pool.protocol) ? undefined : `no swap-leg adapter for ${pool.protocol}`;
  }
  const protocols: readonly string[] =
    pool.kind === "lending"
      ? bt.adapters.lending
      : pool.kind === "vault"
        ? bt.adapters.vault
        : pool.kind === "lp"
          ? bt.adapters.lp
          : [];
  if (!protocols.includes("*") && !protocols.includes(pool.protocol))
    return `no ${pool.kind} adapter for ${pool.protocol}`;
  if (pool.kind === "lp" ? !tokens.includes(base) : tokens[0] !== base || tokens.length > 1)
    return `its asset ${pool.asset} is not the vault's ${bt.baseAsset} (no swap route)`;
  return undefined;
}

/** The configured swap route from the base asset to `symbol` (keys are case-insensitive). */
export function swapRouteOf(bt: BacktestSection, symbol: string) {
  const s = symbol.toUpperCase();
  return Object.entries(bt.swapRoutes).find(([k]) => k.toUpperCase() === s)?.[1];
}

/**
 * Picks the vault's sources: `backtest.sources`, or every pool the adapters reach. A listed pool that is
 * unknown or unreachable is a config error; pools without prices are valued at peg (stablecoins) or left out.
 */
export function selectSources(data: Dataset, bt: BacktestSection): SourceSelection {
  const stable = new Set(bt.stablecoins.map((s) => s.toUpperCase()));
  const byId = new Map(data.pools.map((p) => [p.poolId, p]));
  const unreachable = data.pools.filter((p) => unreachableBecause(p, bt) !== undefined).map((p) => p.poolId);
  if (bt.sources) {
    const issues = bt.sources.flatMap((id, i) => {
      const pool = byId.get(id);
      const why = pool ? unreachableBecause(pool, bt) : "not in pools.csv";
      return why ? [{ path: `backtest.sources.${i}`, message: `${id}: ${why}` }] : [];
    });
    if (issues.length > 0) throw new ConfigError("backtest.sources lists pools the vault cannot hold", issues);
  }
  const wanted = bt.sources ?? data.pools.filter((p) => !unreachable.includes(p.poolId)).map((p) => p.poolId);
  const pools: PoolInfo[] = [];
  const valuedAtPeg: string[] = [];
  const excludedNoPrice: string[] = [];
  for (const id of wanted) {
    const pool = byId.get(id)!;
    const symbols = pool.asset.toUpperCase().split("/");
    const unpriced = symbols.filter((s) => (data.prices.get(s)?.length ?? 0) === 0);
    if (unpriced.length === 0) pools.push(pool);
    else if (unpriced.every((s) => stable.has(s))) {
      pools.push(pool);
      valuedAtPeg.push(id);
    } else excludedNoPrice.push(id);
  }
  return { pools, valuedAtPeg, excludedNoPrice, unreachable };
}
