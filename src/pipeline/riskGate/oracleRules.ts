import type { HaltCode } from "../../domain/codes.ts";
import type { Snapshot, SourceState } from "../../domain/snapshot.ts";
import type { RiskOptions } from "./options.ts";
import { type PriceBook, type PriceHealth, tokensOf } from "./prices.ts";
import type { VerdictBuilder } from "./verdictBuilder.ts";

/**
 * Stale or missing data halts the tick: no price at all, the newest price older than `maxDataAgeSeconds`
 * at the snapshot's time, or (when a wall clock is given) the snapshot itself older than that.
 */
export function checkFreshness(
  snapshot: Snapshot,
  book: PriceBook,
  opts: RiskOptions,
  b: VerdictBuilder,
  nowSeconds?: number,
): void {
  const limit = opts.maxDataAgeSeconds;
  if (nowSeconds !== undefined && nowSeconds - snapshot.timestamp > limit) {
    const age = nowSeconds - snapshot.timestamp;
    b.halt({
      code: "SNAPSHOT_STALE",
      message: `snapshot of block ${snapshot.block} is ${age} s old (limit ${limit} s)`,
      value: age,
      limit,
      severity: "halt",
    });
  }
  const newest = book.newestUpdate();
  if (newest === undefined) {
    b.halt({ code: "DATA_MISSING", message: "the snapshot carries no price observation", severity: "halt" });
    return;
  }
  const age = snapshot.timestamp - newest;
  if (age > limit) {
    b.halt({
      code: "DATA_STALE",
      message: `newest price is ${age} s older than the snapshot (limit ${limit} s)`,
      value: age,
      limit,
      severity: "halt",
    });
  }
}

const statusCode: Record<Exclude<PriceHealth["status"], "ok">, HaltCode> = {
  stale: "ORACLE_STALE",
  invalid: "ORACLE_INVALID",
  disagree: "ORACLE_DISAGREE",
  missing: "PRICE_MISSING",
};

function describe(h: PriceHealth): { message: string; value?: number; limit?: number } {
  switch (h.status) {
    case "stale":
      return {
        message: `${h.symbol} price is ${h.ageSeconds} s old (heartbeat ${h.heartbeatSeconds} s)`,
        value: h.ageSeconds,
        limit: h.heartbeatSeconds,
      };
    case "invalid":
      return { message: `${h.symbol} price answer is ≤ 0, non-finite or at its min/max bound` };
    case "disagree":
      return {
        message: `${h.symbol} price origins disagree by ${h.disagreementPct.toFixed(2)} %`,
        value: h.disagreementPct,
      };
    default:
      return { message: `${h.symbol} has no price` };
  }
}

/**
 * Oracle health: an unhealthy base-asset price halts the tick (nothing can be valued); an unhealthy price
 * of a source's token freezes that source (no new intents from that price); any other priced symbol (the
 * gas token, a peg) is noted when unhealthy. Every reason names its symbol, so every feed is judged each
 * tick (`keel_oracle_stale{symbol}`).
 */
export function checkOracles(
  snapshot: Snapshot,
  sources: readonly SourceState[],
  book: PriceBook,
  b: VerdictBuilder,
): void {
  const base = snapshot.baseAsset.symbol.toUpperCase();
  const baseHealth = book.health(base);
  if (baseHealth.status !== "ok") {
    const d = describe(baseHealth);
    b.halt({
      code: statusCode[baseHealth.status],
      ...d,
      message: `base asset: ${d.message}`,
      symbol: base,
      severity: "halt",
    });
  }
  const tokens = new Set([base]);
  for (const s of sources) {
    for (const token of tokensOf(s.asset)) {
      tokens.add(token);
      if (token === base) continue;
      const h = book.health(token);
      if (h.status === "ok") continue;
      const d = describe(h);
      b.freeze(s.id, {
        code: statusCode[h.status],
        ...d,
        message: `${s.id} frozen: ${d.message}`,
        sourceId: s.id,
        symbol: token,
        severity: "warn",
      });
    }
  }
  for (const symbol of Object.keys(snapshot.prices)) {
    if (tokens.has(symbol)) continue;
    const h = book.health(symbol);
    if (h.status === "ok") continue;
    const d = describe(h);
    b.note({
      code: statusCode[h.status],
      ...d,
      message: `${d.message} (prices gas or a peg)`,
      symbol,
      severity: "warn",
    });
  }
  b.metrics.baseOracleDisagreementPct = baseHealth.disagreementPct;
}
