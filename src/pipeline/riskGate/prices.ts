import type { PriceObservation, Snapshot } from "../../domain/snapshot.ts";
import type { RiskOptions } from "./options.ts";

/** Health of one symbol's price, from all of its observations in the snapshot. */
export interface PriceHealth {
  readonly symbol: string;
  /** `ok`; `stale` (older than its heartbeat); `invalid` (≤ 0 or at a min/max bound); `disagree` (origins apart); `missing`. */
  readonly status: "ok" | "stale" | "invalid" | "disagree" | "missing";
  /** Median of the fresh valid answers (latest per origin); undefined when there is none. */
  readonly priceUsd: number | undefined;
  /** Latest fresh valid answer per origin. */
  readonly byOrigin: readonly PriceObservation[];
  /** Age of the newest observation, seconds. */
  readonly ageSeconds: number;
  /** Largest relative gap between two origins, in %. */
  readonly disagreementPct: number;
  /** Heartbeat it was held against. */
  readonly heartbeatSeconds: number;
}

/** Splits a source asset (`USDC`, `WETH/USDT`) into upper-case token symbols. */
export function tokensOf(asset: string): string[] {
  return asset
    .split("/")
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s.length > 0);
}

/** Health of every priced symbol, resolving aliases (WETH → ETH) for symbols without prices of their own. */
export class PriceBook {
  private readonly cache = new Map<string, PriceHealth>();
  private readonly snapshot: Snapshot;
  private readonly opts: RiskOptions;

  constructor(snapshot: Snapshot, opts: RiskOptions) {
    this.snapshot = snapshot;
    this.opts = opts;
  }

  /** The newest `updatedAt` over all observations, or undefined when the snapshot has none. */
  newestUpdate(): number | undefined {
    let newest: number | undefined;
    for (const list of Object.values(this.snapshot.prices)) {
      for (const o of list) if (newest === undefined || o.updatedAt > newest) newest = o.updatedAt;
    }
    return newest;
  }

  /** Observations of a symbol (its alias's when it has none); the base asset falls back to the snapshot's price. */
  observations(symbol: string): readonly PriceObservation[] {
    const own = this.snapshot.prices[symbol];
    if (own && own.length > 0) return own;
    const alias = this.opts.priceAliases[symbol];
    const aliased = alias ? this.snapshot.prices[alias] : undefined;
    if (aliased && aliased.length > 0) return aliased;
    const base = this.snapshot.baseAsset;
    if (symbol === base.symbol.toUpperCase()) {
      return [{ symbol, priceUsd: base.priceUsd, updatedAt: this.snapshot.timestamp, origin: "oracle" }];
    }
    return [];
  }

  /** Health of one symbol (memoised per snapshot). */
  health(symbol: string): PriceHealth {
    const key = symbol.toUpperCase();
    const hit = this.cache.get(key);
    if (hit) return hit;
    const result = this.assess(key);
    this.cache.set(key, result);
    return result;
  }

  /** USD price of a symbol: `USD` is 1, otherwise the median fresh answer. */
  usd(symbol: string): number | undefined {
    return symbol.toUpperCase() === "USD" ? 1 : this.health(symbol).priceUsd;
  }

  private assess(symbol: string): PriceHealth {
    const heartbeat =
      this.opts.heartbeatSecondsBySymbol[symbol] ??
      this.opts.heartbeatSecondsBySymbol[this.opts.priceAliases[symbol] ?? ""] ??
      this.opts.oracleHeartbeatSeconds;
    const all = this.observations(symbol);
    const now = this.snapshot.timestamp;
    if (all.length === 0) {
      return {
        symbol,
        status: "missing",
        priceUsd: undefined,
        byOrigin: [],
        ageSeconds: Infinity,
        disagreementPct: 0,
        heartbeatSeconds: heartbeat,
      };
    }
    const latest = new Map<string, PriceObservation>();
    for (const o of all) {
      const prev = latest.get(o.origin);
      if (!prev || o.updatedAt > prev.updatedAt) latest.set(o.origin, o);
    }
    const newest = Math.max(...[...latest.values()].map((o) => o.updatedAt));
    const ageSeconds = Math.max(0, now - newest);
    const bounds = this.opts.oracleBoundsUsd[symbol];
    const valid = (o: PriceObservation) =>
      Number.isFinite(o.priceUsd) &&
      o.priceUsd > 0 &&
      !(bounds && (o.priceUsd <= bounds.min || o.priceUsd >= bounds.max));
    const fresh = [...latest.values()].filter((o) => now - o.updatedAt <= heartbeat);
    const good = fresh.filter(valid);
    const prices = good.map((o) => o.priceUsd).sort((a, b) => a - b);
    const disagreementPct = prices.length >= 2 ? ((prices[prices.length - 1]! - prices[0]!) / prices[0]!) * 100 : 0;
    let status: PriceHealth["status"] = "ok";
    if (fresh.length === 0) status = "stale";
    else if (good.length < fresh.length || good.length === 0) status = "invalid";
    else if (disagreementPct > this.opts.oracleMaxDisagreementPct) status = "disagree";
    return {
      symbol,
      status,
      priceUsd: prices.length > 0 ? median(prices) : undefined,
      byOrigin: good,
      ageSeconds,
      disagreementPct,
      heartbeatSeconds: heartbeat,
    };
  }
}

/** Median of a sorted, non-empty array. */
function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
