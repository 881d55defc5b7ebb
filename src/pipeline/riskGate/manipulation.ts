/**
 * Flash-loan / manipulation exposure: pool spot vs oracle, one-step TVL (reserve) jumps. A manipulable
 * source is frozen (no new deposits); pool depth vs our position is a cap (see liquidity.ts).
 */

import { indexAtOrBefore } from "../../domain/dataset.ts";
import type { RiskInput } from "../types.ts";
import type { RiskOptions } from "./options.ts";
import { type PriceBook, tokensOf } from "./prices.ts";
import type { VerdictBuilder } from "./verdictBuilder.ts";

/** Freezes sources whose pool price strays from the oracle or whose reserves jumped in one step. */
export function checkManipulation(input: RiskInput, book: PriceBook, opts: RiskOptions, b: VerdictBuilder): void {
  const { snapshot, history } = input;
  for (const s of snapshot.sources) {
    if (s.reserves && s.kind === "lp") {
      const [t0, t1] = tokensOf(s.asset);
      const p0 = t0 ? book.usd(t0) : undefined;
      const p1 = t1 ? book.usd(t1) : undefined;
      if (p0 !== undefined && p1 !== undefined && p1 > 0 && s.reserves.spotPrice > 0) {
        const fair = p0 / p1;
        const dev = Math.abs(s.reserves.spotPrice / fair - 1) * 100;
        if (dev > opts.maxSpotOracleDeviationPct) {
          b.freeze(s.id, {
            code: "MANIPULATION_SPOT_ORACLE",
            message: `${s.id} frozen: pool spot is ${dev.toFixed(2)} % away from the oracle price (limit ${opts.maxSpotOracleDeviationPct} %)`,
            sourceId: s.id,
            value: dev,
            limit: opts.maxSpotOracleDeviationPct,
            severity: "warn",
          });
        }
      }
    }
    const pts = history.sources[s.id];
    if (!pts || pts.length === 0) continue;
    const i = indexAtOrBefore(pts, snapshot.timestamp - 1);
    const prev = i >= 0 ? pts[i] : undefined;
    if (!prev || snapshot.timestamp - prev.t > opts.reserveJumpWindowSeconds || !(prev.tvlUsd > 0)) continue;
    const jump = Math.abs(s.tvlUsd / prev.tvlUsd - 1) * 100;
    if (jump > opts.maxReserveJumpPct) {
      b.freeze(s.id, {
        code: "MANIPULATION_RESERVE_JUMP",
        message: `${s.id} frozen: TVL moved ${jump.toFixed(1)} % in ${snapshot.timestamp - prev.t} s (limit ${opts.maxReserveJumpPct} %)`,
        sourceId: s.id,
        value: jump,
        limit: opts.maxReserveJumpPct,
        severity: "warn",
      });
    }
  }
}
