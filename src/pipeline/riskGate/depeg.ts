import { indexAtOrBefore } from "../../domain/dataset.ts";
import type { Reason } from "../../domain/reasons.ts";
import type { Snapshot, SourceState } from "../../domain/snapshot.ts";
import type { RiskOptions } from "./options.ts";
import { type PriceBook, tokensOf } from "./prices.ts";
import type { VerdictBuilder } from "./verdictBuilder.ts";

/** Grade of a peg deviation, from mildest to worst. */
export type DepegGrade = "none" | "alert" | "stop" | "exit" | "pause";

/** How far a pegged symbol is from its peg. */
export interface PegDeviation {
  readonly symbol: string;
  readonly peg: string;
  /** Median price vs peg, signed, in %. */
  readonly signedPct: number;
  /** Largest absolute deviation over the price origins (used for alert / stop), in %. */
  readonly worstPct: number;
  /**
   * Smallest absolute deviation over the origins (used for exit / pause): with two independent
   * prices both must confirm, so one manipulated pool cannot pull the kill-switch.
   */
  readonly confirmedPct: number;
}

/** Price history by symbol, used to value the peg at the time of each observation. */
type PegHistory = Readonly<Record<string, readonly { t: number; priceUsd: number }[]>>;

/**
 * Deviation of a symbol from its peg; undefined when it has no peg or no usable price. When the
 * observation is older than the peg's price (a daily feed against an hourly one), the peg is valued
 * as of the observation's own time from the history, so a stale bar is not mistaken for a depeg.
 */
export function pegDeviation(
  symbol: string,
  book: PriceBook,
  opts: RiskOptions,
  history?: PegHistory,
): PegDeviation | undefined {
  const peg = opts.pegs[symbol];
  if (peg === undefined) return undefined;
  const pegUsd = book.usd(peg);
  const h = book.health(symbol);
  if (pegUsd === undefined || pegUsd <= 0 || h.priceUsd === undefined || h.byOrigin.length === 0) return undefined;
  const pegSeries = peg === "USD" ? undefined : (history?.[peg] ?? history?.[opts.priceAliases[peg] ?? ""]);
  const pegAt = (t: number): number => {
    if (!pegSeries) return pegUsd;
    const i = indexAtOrBefore(pegSeries, t);
    const p = i >= 0 ? pegSeries[i] : undefined;
    return p && t - p.t <= ALIGN_SECONDS && p.priceUsd > 0 ? p.priceUsd : pegUsd;
  };
  const devs = h.byOrigin.map((o) => (o.priceUsd / pegAt(o.updatedAt) - 1) * 100);
  const abs = devs.map(Math.abs);
  const newest = h.byOrigin.reduce((a, o) => (o.updatedAt > a.updatedAt ? o : a));
  return {
    symbol,
    peg,
    signedPct: h.byOrigin.length === 1 ? devs[0]! : (h.priceUsd / pegAt(newest.updatedAt) - 1) * 100,
    worstPct: Math.max(...abs),
    confirmedPct: Math.min(...abs),
  };
}

/** How far back a peg price may be from the observation it values. */
const ALIGN_SECONDS = 2 * 3_600;

/** Graded thresholds: alert and stop on the worst origin, exit and pause only when every origin confirms. */
export function gradeDepeg(d: PegDeviation, opts: RiskOptions): DepegGrade {
  if (d.confirmedPct >= opts.depegPausePct) return "pause";
  if (d.confirmedPct >= opts.depegExitPct) return "exit";
  if (d.worstPct >= opts.depegStopPct) return "stop";
  if (d.worstPct >= opts.depegAlertPct) return "alert";
  return "none";
}

function r(
  code: Reason["code"],
  message: string,
  d: PegDeviation,
  limit: number,
  severity: Reason["severity"],
  sourceId?: string,
): Reason {
  return { code, message, value: d.signedPct, limit, severity, ...(sourceId === undefined ? {} : { sourceId }) };
}

/** The base asset's depeg: alert → warn, stop → freeze every source, exit → halt (nothing valued at par), pause → trigger. */
function baseAssetDepeg(
  base: string,
  baseDev: PegDeviation,
  sources: readonly SourceState[],
  opts: RiskOptions,
  b: VerdictBuilder,
): void {
  b.metrics.baseDepegPct = baseDev.signedPct;
  const fmt = `${base} is ${baseDev.signedPct.toFixed(2)} % off its ${baseDev.peg} peg`;
  switch (gradeDepeg(baseDev, opts)) {
    case "pause":
      b.trigger(
        r("DEPEG_PAUSE", `base asset ${fmt} (pause at ${opts.depegPausePct} %)`, baseDev, opts.depegPausePct, "halt"),
      );
      break;
    case "exit":
      b.halt(
        r(
          "DEPEG_EXIT",
          `base asset ${fmt}: no plan valued at par (exit level ${opts.depegExitPct} %)`,
          baseDev,
          opts.depegExitPct,
          "halt",
        ),
      );
      break;
    case "stop":
      for (const s of sources) {
        b.freeze(
          s.id,
          r(
            "DEPEG_STOP",
            `${s.id} frozen: base asset ${fmt} (stop at ${opts.depegStopPct} %)`,
            baseDev,
            opts.depegStopPct,
            "warn",
            s.id,
          ),
        );
      }
      break;
    case "alert":
      b.note(
        r("DEPEG_ALERT", `base asset ${fmt} (alert at ${opts.depegAlertPct} %)`, baseDev, opts.depegAlertPct, "warn"),
      );
      break;
    case "none":
      break;
  }
}

/** A liquid-staking token below its peg is a discount: alert, then freeze; never an exit or a trigger. */
function discountRules(s: SourceState, d: PegDeviation, fmt: string, opts: RiskOptions, b: VerdictBuilder): void {
  const worstDiscount = d.signedPct < 0 ? d.worstPct : 0;
  if (worstDiscount >= opts.lstDiscountFreezePct) {
    b.freeze(
      s.id,
      r(
        "LST_DISCOUNT_FREEZE",
        `${s.id} frozen: ${fmt}, a discount (freeze at ${opts.lstDiscountFreezePct} %)`,
        d,
        opts.lstDiscountFreezePct,
        "warn",
        s.id,
      ),
    );
  } else if (worstDiscount >= opts.lstDiscountAlertPct) {
    b.note(
      r(
        "LST_DISCOUNT",
        `${s.id}: ${fmt}, treated as a discount (alert at ${opts.lstDiscountAlertPct} %)`,
        d,
        opts.lstDiscountAlertPct,
        "warn",
        s.id,
      ),
    );
  }
}

/** A source token's depeg: alert → warn, stop → frozen, exit → forced exit, pause → trigger when it holds funds. */
function sourceTokenDepeg(s: SourceState, d: PegDeviation, fmt: string, opts: RiskOptions, b: VerdictBuilder): void {
  const grade = gradeDepeg(d, opts);
  if (grade === "pause" && s.balance > 0n) {
    b.exit(
      s.id,
      r("DEPEG_EXIT", `${s.id} exit: ${fmt} (exit at ${opts.depegExitPct} %)`, d, opts.depegExitPct, "warn", s.id),
    );
    b.trigger(
      r(
        "DEPEG_PAUSE",
        `${fmt} while ${s.id} holds funds (pause at ${opts.depegPausePct} %)`,
        d,
        opts.depegPausePct,
        "halt",
        s.id,
      ),
    );
  } else if (grade === "pause" || grade === "exit") {
    b.exit(
      s.id,
      r("DEPEG_EXIT", `${s.id} exit: ${fmt} (exit at ${opts.depegExitPct} %)`, d, opts.depegExitPct, "warn", s.id),
    );
  } else if (grade === "stop") {
    b.freeze(
      s.id,
      r("DEPEG_STOP", `${s.id} frozen: ${fmt} (stop at ${opts.depegStopPct} %)`, d, opts.depegStopPct, "warn", s.id),
    );
  } else if (grade === "alert") {
    b.note(r("DEPEG_ALERT", `${s.id}: ${fmt} (alert at ${opts.depegAlertPct} %)`, d, opts.depegAlertPct, "warn", s.id));
  }
}

/**
 * Depeg of the base asset and of each source's tokens. Base asset: alert → warn, stop → freeze every
 * source, exit → halt (nothing can be valued at par), pause → trigger. Source token: alert → warn,
 * stop → frozen, exit → forced exit, pause → trigger when the source holds funds (else forced exit).
 * Liquid-staking tokens (`discountAssets`) below their peg are a discount: alert, then freeze; never
 * an exit or a trigger.
 */
export function checkDepeg(
  snapshot: Snapshot,
  sources: readonly SourceState[],
  book: PriceBook,
  opts: RiskOptions,
  b: VerdictBuilder,
  history?: PegHistory,
): void {
  const base = snapshot.baseAsset.symbol.toUpperCase();
  const baseDev = pegDeviation(base, book, opts, history);
  if (baseDev) baseAssetDepeg(base, baseDev, sources, opts, b);

  const discount = new Set(opts.discountAssets.map((s) => s.toUpperCase()));
  const cache = new Map<string, PegDeviation | undefined>();
  for (const s of sources) {
    for (const token of tokensOf(s.asset)) {
      if (token === base) continue;
      if (!cache.has(token)) cache.set(token, pegDeviation(token, book, opts, history));
      const d = cache.get(token);
      if (!d) continue;
      b.detail(s.id, { depegPct: d.signedPct });
      const fmt = `${token} is ${d.signedPct.toFixed(2)} % off its ${d.peg} peg`;
      if (discount.has(token)) discountRules(s, d, fmt, opts, b);
      else sourceTokenDepeg(s, d, fmt, opts, b);
    }
  }
}
