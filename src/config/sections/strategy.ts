import { z } from "zod";
import { bps } from "./common.ts";

/** Optimizer and gas economics. Mirrors the bounds the allocator enforces on-chain. */
export const strategySection = z
  .strictObject({
    /** Forecast and gain horizon. */
    horizonDays: z.number().int().min(1).max(90).default(7),
    /** Act only when the pessimistic (P10) gain over the horizon is at least k × cost. */
    minGainToCostRatio: z.number().min(1).max(1_000).default(3),
    /** Absolute fee cap. */
    maxGasPriceGwei: z.number().positive().max(100_000).default(200),
    /** Keeper-side rate limits (the contracts enforce their own). */
    cooldownSeconds: z.number().int().min(0).max(30 * 86_400).default(3_600),
    maxRebalancesPerDay: z.number().int().min(1).max(1_000).default(6),
    /** Share of total assets always kept idle. */
    minIdleBps: bps.default(200),
    /** Maximum weight of any one source. */
    maxWeightPerSourceBps: bps.default(6_000),
    /** Smallest move worth making, in the base asset's whole units. */
    minMoveUnits: z.number().min(0).default(100),
    /** Risk aversion in the objective (0 = maximise expected yield). */
    riskAversion: z.number().min(0).max(100).default(1),
  })
  .prefault({});
