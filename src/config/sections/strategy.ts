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
 * check simulates the actual calldata instead. Calibrated on `node bench/contracts.bench.ts` (keel's
 * allocator with Aave v3 and ERC-4626 / Uniswap v2 adapters on the devnet): one vault leg 275 068 gas,
 * two 316 575, plus an Aave supply 446 528; an LP deposit 345 799, LP withdraw 354 103, Aave withdraw
 * 371 031. The base carries the first leg's cold-storage overhead.
 */
const gasModelSection = z
  .strictObject({
    /** Fixed gas of one rebalance transaction (intrinsic + allocator bookkeeping + cold access). */
    baseGas: z.number().int().min(21_000).max(10_000_000).default(233_500),
    /** Gas per deposit / withdrawal leg, by kind of source. */
    depositGas: z
      .strictObject({
        lending: z.number().int().min(0).default(130_000),
        vault: z.number().int().min(0).default(41_500),
        lp: z.number().int().min(0).default(112_300),
      })
      .prefault({}),
    withdrawGas: z
      .strictObject({
        lending: z.number().int().min(0).default(137_500),
        // Not in the benchmark: an ERC-4626 redeem costs about what its deposit does, plus the share burn.
        vault: z.number().int().min(0).default(46_000),
        lp: z.number().int().min(0).default(120_600),
      })
      .prefault({}),
    /**
     * Extra gas of a swap leg (a deposit or withdrawal through `SwapLendingAdapter`: one Uniswap v3 swap
     * and the oracle read), on top of the lending leg.
     */
    swapGas: z.number().int().min(0).default(110_000),
  })
  .prefault({});

/** A kinked borrow-rate model (Aave's shape): the lending market's response to the vault's own supply. */
const irmSchema = z.strictObject({
  optimalUtilization: z.number().gt(0).lt(1),
  baseRatePct: z.number().min(0).max(1_000),
  slope1Pct: z.number().min(0).max(1_000),
  slope2Pct: z.number().min(0).max(10_000),
});

/**
 * The vault's own impact on what it earns: a lending market's supply rate falls as the vault adds supply
 * (utilisation = borrows / supply; the rate follows the market's kinked model, scaled to the observed rate).
 * `irm` is the model of every lending market, `irmBySource` overrides it by source id (pool id in backtests).
 * Defaults: Aave v3's stablecoin rate strategy (kink at 90 %, slope 2 of 60 %); only the shape matters.
 */
const ownImpactSection = z
  .strictObject({
    enabled: z.boolean().default(true),
    irm: irmSchema.prefault({ optimalUtilization: 0.9, baseRatePct: 0, slope1Pct: 6, slope2Pct: 60 }),
    irmBySource: z.record(z.string().min(1), irmSchema).default({}),
  })
  .prefault({});

/**
 * The switching rule: when a move pays. The forecast spread between where capital would go and where it is
 * now is assumed to last `holdingDays` (the expected holding period): a plan's gain is counted over it, and
 * its switching costs (gas, slippage, swap fee and price impact, paid once) are amortised over it. A plan
 * moves only when its pessimistic (P10) gain over that period is at least `hysteresis` × all its costs, and
 * no rebalance for yield follows the last one within `minHoldHours` (risk exits and bound restores are exempt).
 * Against noise, the same switch must pay on every tick for `confirmHours` before it is made: an hourly
 * spike in one rate does not last that long, a real spread does.
 */
const switchingSection = z
  .strictObject({
    holdingDays: z.number().min(1).max(365).default(30),
    hysteresis: z.number().min(1).max(100).default(1),
    minHoldHours: z
      .number()
      .min(0)
      .max(24 * 90)
      .default(72),
    confirmHours: z
      .number()
      .min(0)
      .max(24 * 30)
      .default(48),
  })
  .prefault({});

/**
 * Re-ranging Uniswap v3 positions (`decideRerange`): when the allocation stays, a position is moved back around
 * the oracle price once the new range's expected extra fees less extra impermanent loss over `horizonDays` pay
 * `hysteresis` × (gas of `gasUnits` at the snapshot's fees + `swapCostBps` on the share swapped). Calibrated:
 * 737 265 gas per re-range (`npm run bench -- uniswapV3`); 40 bps = the devnet pool's 0.3 % fee + impact.
 * Off by default: on 2024 H2 the decision beat re-centring on every exit on 5 of 6 pools but never moving the range
 * on only 3 (src/backtest/README.md, "Uniswap v3 ranges").
 */
const rerangeSection = z
  .strictObject({
    enabled: z.boolean().default(false),
    horizonDays: z.number().int().min(1).max(90).default(7),
    hysteresis: z.number().min(1).max(100).default(1.5),
    gasUnits: z.number().int().min(21_000).max(10_000_000).default(750_000),
    swapCostBps: bps.default(40),
    /**
     * Annualised price volatility (%) assumed when the forecast has none for a position (under 5 days of price
     * history: a fresh devnet); unset, such a position is not re-ranged.
     */
    volPctWhenUnknown: z.number().positive().max(1_000).optional(),
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
    ownImpact: ownImpactSection,
    switching: switchingSection,
    rerange: rerangeSection,
    /**
     * Who picks the target weights: `rule` (the CVaR / mean-variance optimizer above) or `policy` (the PPO
     * policy at `policyPath`, served by onnxruntime; the rule serves when it cannot load). Either way the
     * risk gate's bounds, the keeper's on-chain bounds and the gas check apply. `rule` is the default: the
     * shipped policy earns less than the rule on 2024-07..12 (models/keel-ppo/README.md).
     */
    optimizer: z.enum(["rule", "policy"]).default("rule"),
    /** policy.onnx of the PPO allocation policy (its policy.json beside it). */
    policyPath: z.string().min(1).default("models/keel-ppo/policy.onnx"),
  })
  .prefault({});

/** The validated strategy section. */
export type StrategyConfig = z.infer<typeof strategySection>;
