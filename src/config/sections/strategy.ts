import { z } from "zod";
import { bps } from "./common.ts";

/** Slippage and exit cost per move, by kind of source, in basis points of the moved amount. */
const slippageSection = z
  .strictObject({
    lending: bps.default(1),
    vault: bps.default(5),
    /** LP exits realise impermanent loss and pay the pool's swap fee on rebalancing. */
    lp: bps.default(30),
  })
  .prefault({});

/**
 * Per-move gas model (backtests, and the optimizer's estimate of a plan's fixed cost). Live, the gas
 * check simulates the actual calldata instead. Calibrated against the allocator's gas benchmark.
 */
const gasModelSection = z
  .strictObject({
    /** Fixed gas of one rebalance transaction (intrinsic + allocator bookkeeping). */
    baseGas: z.number().int().min(21_000).max(10_000_000).default(90_000),
    /** Gas per deposit / withdrawal leg, by kind of source. */
    depositGas: z
      .strictObject({
        lending: z.number().int().min(0).default(190_000),
        vault: z.number().int().min(0).default(140_000),
        lp: z.number().int().min(0).default(280_000),
      })
      .prefault({}),
    withdrawGas: z
      .strictObject({
        lending: z.number().int().min(0).default(210_000),
        vault: z.number().int().min(0).default(150_000),
        lp: z.number().int().min(0).default(260_000),
      })
      .prefault({}),
  })
  .prefault({});

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
    cooldownSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400)
      .default(3_600),
    maxRebalancesPerDay: z.number().int().min(1).max(1_000).default(6),
    /** Share of total assets always kept idle. */
    minIdleBps: bps.default(200),
    /** Maximum weight of any one source. */
    maxWeightPerSourceBps: bps.default(6_000),
    /** Smallest move worth making, in the base asset's whole units. */
    minMoveUnits: z.number().min(0).default(100),
    /** Risk aversion in the objective (0 = maximise expected yield). */
    riskAversion: z.number().min(0).max(100).default(1),
    /**
     * Solver formulation: `cvar` (Rockafellar-Uryasev LP over scenarios), `mean-variance` (QP), or
     * `greedy` (closed form, no solver). `cvar` and `mean-variance` fall back to `greedy` when the
     * solver fails.
     */
    objective: z.enum(["cvar", "mean-variance", "greedy"]).default("cvar"),
    /** CVaR confidence level (the tail is the worst 1 − α of scenarios). */
    cvarAlpha: z.number().min(0.5).max(0.999).default(0.95),
    /** Number of return scenarios drawn from the forecast quantiles (deterministic). */
    scenarioCount: z.number().int().min(10).max(5_000).default(200),
    /**
     * Price each touched source's gas leg inside the CVaR solve (a MILP, up to 60 sources). Off, the
     * LP is solved without them and the plan is priced against staying afterwards — ~10× faster.
     */
    solverFixedCosts: z.boolean().default(false),
    /** Correlation of rate surprises across sources in the scenarios (one common factor). */
    scenarioCorrelation: z.number().min(0).max(0.99).default(0.5),
    slippageBps: slippageSection,
    gasModel: gasModelSection,
  })
  .prefault({});

/** The validated strategy section. */
export type StrategyConfig = z.infer<typeof strategySection>;
