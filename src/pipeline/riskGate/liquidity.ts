/**
 * Exit cost and depth: how much of our position could leave now and at what cost. AMM sources use the
 * constant-product price impact; lending and vault sources use available liquidity (supply − borrows)
 * and `maxWithdraw`. Both shrink the cap; impermanent loss outlook for LP sources is computed here too.
 */
import { toFloat } from "../../domain/amounts.ts";
import type { RiskInput } from "../types.ts";
import { ilOutlook, type PriceRange } from "./il.ts";
import type { RiskOptions } from "./options.ts";
import { tokensOf } from "./prices.ts";
import { realisedVolPct } from "./scenarios.ts";
import { lendingExitableShare, lpExitCost, maxLpPositionForCost } from "./slippage.ts";
import type { VerdictBuilder } from "./verdictBuilder.ts";

/**
 * The range of each LP source relative to its current price (none = full range): a Uniswap v3 position's own range
 * when ingest read one, else `defaultLpRangeWidthPct` around the price.
 */
export function lpRanges(input: RiskInput, opts: RiskOptions): Record<string, PriceRange> {
  const w = opts.defaultLpRangeWidthPct / 100;
  const out: Record<string, PriceRange> = {};
  for (const s of input.snapshot.sources) {
    if (s.kind !== "lp") continue;
    const spot = s.reserves?.spotPrice ?? 0;
    if (s.range && spot > 0) out[s.id] = { lower: s.range.priceLower / spot, upper: s.range.priceUpper / spot };
    else if (w > 0) out[s.id] = { lower: 1 / (1 + w), upper: 1 + w };
  }
  return out;
}

/** Exit cost, available liquidity and depth caps for every source. */
export function checkLiquidity(input: RiskInput, opts: RiskOptions, b: VerdictBuilder): void {
  const { snapshot } = input;
  const dec = snapshot.baseAsset.decimals;
  const px = snapshot.baseAsset.priceUsd > 0 ? snapshot.baseAsset.priceUsd : 1;
  const totalUsd = toFloat(snapshot.vault.totalAssets, dec) * px;
  if (!(totalUsd > 0)) return;
  const maxCost = opts.maxExitCostBps / 10_000;
  for (const s of snapshot.sources) {
    const positionUsd = toFloat(s.balance, dec) * px;
    if (opts.minDepthToPositionRatio > 0 && s.tvlUsd >= 0) {
      const cap = s.tvlUsd / opts.minDepthToPositionRatio / totalUsd;
      b.capAt(
        s.id,
        cap,
        "DEPTH",
        `pool depth $${Math.round(s.tvlUsd)} must be ≥ ${opts.minDepthToPositionRatio}× our position`,
      );
    }
    if (s.kind === "lp") {
      const cost = lpExitCost(positionUsd, s.tvlUsd, s.tvlUsd / 2, opts.lpFeeBps);
      b.detail(s.id, { exitCostBps: cost * 10_000 });
      // The adapter reverts a deposit whose swap (about half of it) costs more than its slippage bound: the
      // half of a position at the cap swaps at ≤ 2 × the cap's cost, kept to half that bound (the rest is
      // margin for the pool sitting off its oracle when the deposit lands).
      const entryCost = (s.entrySlippageBps ?? Number.POSITIVE_INFINITY) / 4 / 10_000;
      const byEntry = entryCost < maxCost;
      const maxPos = maxLpPositionForCost(s.tvlUsd, opts.lpFeeBps, byEntry ? entryCost : maxCost);
      const why = byEntry
        ? `its entry swap must stay ≤ half the adapter's ${s.entrySlippageBps} bps slippage bound`
        : `exit cost for our size must stay ≤ ${opts.maxExitCostBps} bps`;
      b.capAt(s.id, maxPos / totalUsd, byEntry ? "ENTRY_SLIPPAGE" : "EXIT_COST", why);
      continue;
    }
    const available =
      s.availableLiquidityUsd ?? (s.utilization === null ? undefined : s.tvlUsd * Math.max(0, 1 - s.utilization));
    let exitable = s.balance > 0n ? Math.min(1, toFloat(s.maxWithdraw, dec) / toFloat(s.balance, dec)) : 1;
    if (available !== undefined) {
      exitable = Math.min(exitable, lendingExitableShare(positionUsd, available));
      b.capAt(
        s.id,
        available / totalUsd,
        "LIQUIDITY",
        `available liquidity $${Math.round(available)} (supply − borrows)`,
      );
    }
    b.detail(s.id, { exitableShare: exitable, exitCostBps: 0 });
  }
}

/** Expected IL and its tail for LP sources from the forecast (or realised) price volatility. */
export function checkImpermanentLoss(
  input: RiskInput,
  opts: RiskOptions,
  b: VerdictBuilder,
  ranges: Record<string, PriceRange>,
): void {
  const { snapshot, forecast, history } = input;
  for (const s of snapshot.sources) {
    if (s.kind !== "lp") continue;
    const [t0, t1] = tokensOf(s.asset);
    const f = forecast.sources[s.id];
    const ser = (sym: string | undefined) =>
      sym === undefined ? undefined : (history.prices[sym] ?? history.prices[opts.priceAliases[sym] ?? ""]);
    const vol = f?.priceVolPct ?? (t0 ? realisedVolPct(ser(t0), ser(t1), history.asOf, 86_400) : undefined);
    if (vol === undefined) {
      b.note({
        code: "IL_UNKNOWN",
        message: `${s.id}: no price volatility, impermanent loss not estimated`,
        sourceId: s.id,
        severity: "warn",
      });
      continue;
    }
    const out = ilOutlook(vol, forecast.horizonDays, opts.confidence, ranges[s.id]);
    b.detail(s.id, { expectedIlAprPct: out.expectedAprPct, tailIlPct: out.tail * 100 });
    const fee = f?.p50 ?? s.aprPct;
    b.note({
      code: "IL_EXPECTED",
      message: `${s.id}: expected IL ${out.expectedAprPct.toFixed(2)} %/yr (tail ${(out.tail * 100).toFixed(2)} % over ${forecast.horizonDays} d at vol ${vol.toFixed(1)} %), net yield ${(fee - out.expectedAprPct).toFixed(2)} %`,
      sourceId: s.id,
      value: out.expectedAprPct,
      limit: fee,
      severity: fee < out.expectedAprPct ? "warn" : "info",
    });
  }
}
