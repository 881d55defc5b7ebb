/**
 * The re-range step of the optimize stage: when the allocation stays, each held Uniswap v3 position whose on-chain
 * range limits ingest read is weighed by `decideRerange` at the snapshot's oracle price, the forecast's price
 * volatility, the pool's in-range fee APR and the gas the snapshot's fees put on a re-range. The best one that pays
 * becomes the tick's plan (no moves, a `rerange` order); every position that does not pay says why
 * (RERANGE_NOT_WORTH, with its figures). A rebalance the allocation wants goes first (RERANGE_DEFERRED). Pure.
 */
import { toFloat } from "../../domain/amounts.ts";
import type { Forecast, Plan, RerangeOrder, RiskVerdict } from "../../domain/decision.ts";
import { type Reason, reason } from "../../domain/reasons.ts";
import type { Snapshot, SourceState } from "../../domain/snapshot.ts";
import { estimateFees, weiToUsd } from "../gasCheck/fees.ts";
import { halt, ok, type Stage } from "../stage.ts";
import type { OptimizeInput } from "../types.ts";
import { decideRerange, type RerangeDecision } from "./rerange.ts";

/** `strategy.rerange`. */
export interface RerangeOptions {
  readonly enabled: boolean;
  readonly horizonDays: number;
  readonly hysteresis: number;
  /** Gas of one re-range (the adapter's `rerange`), units. */
  readonly gasUnits: number;
  /** Pool fee and price impact on the share of the position a re-range swaps, bps. */
  readonly swapCostBps: number;
  /** Price volatility (%) assumed when the forecast has none; without it such a position is not weighed. */
  readonly volPctWhenUnknown?: number | undefined;
}

/** USD price of a symbol from the snapshot: the newest oracle answer, else the newest of any origin. */
function usdOf(snapshot: Snapshot, symbol: string): number | undefined {
  if (symbol === snapshot.baseAsset.symbol && snapshot.baseAsset.priceUsd > 0) return snapshot.baseAsset.priceUsd;
  const obs = [...(snapshot.prices[symbol] ?? [])].sort(
    (a, b) => Number(b.origin === "oracle") - Number(a.origin === "oracle") || b.updatedAt - a.updatedAt,
  );
  const p = obs[0]?.priceUsd;
  return p !== undefined && p > 0 ? p : undefined;
}

/** One position's decision, or why it was not weighed. */
type Weighed = { source: SourceState; decision: RerangeDecision } | { source: SourceState; skipped: string };

function weigh(
  s: SourceState,
  snapshot: Snapshot,
  forecast: Forecast,
  verdict: RiskVerdict,
  opts: RerangeOptions,
): Weighed | undefined {
  const range = s.range;
  if (!range?.limits || s.balance <= 0n) return undefined;
  if (verdict.frozen.includes(s.id) || verdict.forcedExits.includes(s.id)) {
    return { source: s, skipped: "frozen or exiting by the risk gate: not re-ranged" };
  }
  const [t0, t1] = s.asset.split("/");
  const [p0, p1] = [usdOf(snapshot, t0 ?? ""), usdOf(snapshot, t1 ?? "")];
  if (p0 === undefined || p1 === undefined) return { source: s, skipped: `no oracle price for ${s.asset}` };
  const forecastVol = forecast.sources[s.id]?.priceVolPct;
  const vol = forecastVol !== undefined && forecastVol > 0 ? forecastVol : opts.volPctWhenUnknown;
  if (vol === undefined) return { source: s, skipped: "no price volatility forecast" };
  const fee = estimateFees(snapshot.baseFeesWei, snapshot.priorityFeeWei).effectiveFeePerGasWei;
  const base = snapshot.baseAsset;
  const decision = decideRerange({
    range,
    oraclePrice: p0 / p1,
    positionUsd: toFloat(s.balance, base.decimals) * (base.priceUsd > 0 ? base.priceUsd : 1),
    inRangeAprPct: range.inRangeAprPct,
    priceVolPct: vol,
    horizonDays: opts.horizonDays,
    gasUsd: weiToUsd(BigInt(opts.gasUnits) * fee, snapshot.nativeUsd),
    swapCostBps: opts.swapCostBps,
    hysteresis: opts.hysteresis,
    limits: range.limits,
    now: snapshot.timestamp,
  });
  const assumed = vol === forecastVol ? "" : ", assumed: no forecast";
  return {
    source: s,
    decision: { ...decision, reason: `${decision.reason} (price vol ${vol.toFixed(1)} %${assumed})` },
  };
}

function notWorth(w: Weighed): Reason {
  if ("skipped" in w) {
    return reason("RERANGE_NOT_WORTH", `${w.source.id}: ${w.skipped}`, { sourceId: w.source.id, severity: "info" });
  }
  const d = w.decision;
  return reason("RERANGE_NOT_WORTH", `${w.source.id}: ${d.reason}`, {
    sourceId: w.source.id,
    value: d.gainUsd,
    limit: d.costUsd,
    severity: "info",
  });
}

/**
 * Wraps an optimize stage (the rule or the policy) with the re-range step; disabled, the stage is returned as is.
 * The inner stage's reasons stay in the record; its "stay" becomes the re-range's plan when one pays.
 */
export function withRerange(inner: Stage<OptimizeInput, Plan>, opts: RerangeOptions): Stage<OptimizeInput, Plan> {
  if (!opts.enabled) return inner;
  return {
    async run(input, signal) {
      const out = await inner.run(input, signal);
      const { snapshot, forecast, verdict } = input;
      const weighed = snapshot.sources.flatMap((s) => weigh(s, snapshot, forecast, verdict, opts) ?? []);
      if (weighed.length === 0) return out;
      const paying = weighed.flatMap((w) => ("decision" in w && w.decision.act ? [w] : []));
      if (out.status === "ok") {
        if (paying.length === 0) return out;
        const deferred = paying.map((w) =>
          reason("RERANGE_DEFERRED", `${w.source.id}: ${w.decision.reason}; the rebalance goes first`, {
            sourceId: w.source.id,
          }),
        );
        return ok(out.value, out.summary, [...(out.reasons ?? []), ...deferred]);
      }
      const rest = weighed.filter((w) => !paying.includes(w as (typeof paying)[number])).map(notWorth);
      const best = paying.sort(
        (a, b) => b.decision.gainUsd - b.decision.costUsd - (a.decision.gainUsd - a.decision.costUsd),
      )[0];
      if (!best) return halt([...out.reasons, ...rest]);
      const d = best.decision;
      const order: RerangeOrder = {
        sourceId: best.source.id,
        tickLower: d.tickLower,
        tickUpper: d.tickUpper,
        gainUsd: d.gainUsd,
        costUsd: d.costUsd,
      };
      const current = Object.fromEntries(
        snapshot.sources.map((s) => [
          s.id,
          snapshot.vault.totalAssets > 0n ? Number((s.balance * 1_000_000n) / snapshot.vault.totalAssets) / 1e6 : 0,
        ]),
      );
      const plan: Plan = {
        targetWeights: current,
        moves: [],
        gainP10Usd: d.gainUsd,
        gainP50Usd: d.gainUsd,
        slippageUsd: d.costUsd,
        needsApproval: false,
        rerange: order,
      };
      // The allocation's own "no" (a stay) is what let the re-range go: said in the re-range's reason, not as a
      // halt of a tick that acts; the notes that shaped it stay.
      const notes = out.reasons.filter((r) => r.severity !== "halt");
      const stay = out.reasons.filter((r) => r.severity === "halt").map((r) => r.message);
      const why = reason("RERANGE", `${best.source.id}: ${d.reason}; allocation: ${stay.join("; ") || "stays"}`, {
        sourceId: best.source.id,
        value: d.gainUsd,
        limit: d.costUsd,
      });
      return ok(plan, `re-range ${best.source.id} to [${d.tickLower}, ${d.tickUpper})`, [...notes, why, ...rest]);
    },
  };
}
