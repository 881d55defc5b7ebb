import { z } from "zod";

/** HTTP server for /metrics, /healthz, /readyz, the dashboard and the JSON API. */
export const httpSection = z
  .strictObject({
    host: z.string().min(1).default("127.0.0.1"),
    /** 0 picks a free port (printed at start). */
    port: z.number().int().min(0).max(65_535).default(9464),
    /** /readyz fails when the last tick is older than this. */
    readyMaxTickAgeSeconds: z.number().int().min(1).max(86_400).default(300),
  })
  .prefault({});

/** Filling the market history at start, for the hours the store lacks. */
const backfillSection = z
  .strictObject({
    /**
     * Days back to fill from the chain: one read of a past block per missing hour, newest first, as
     * far as the node keeps state (an archive node reaches all of it). 0 turns it off.
     */
    days: z.number().int().min(0).max(3_650).default(90),
    /** Past-block reads in flight at once, beside the ticks' own reads. */
    concurrency: z.number().int().min(1).max(32).default(2),
    /**
     * A keel dataset to fill from first (before the chain): `sources` maps source ids (adapter
     * addresses) to the dataset's pool_id, `prices` oracle symbols to the dataset's symbols. A row
     * enters the history at the end of its period (when it became known).
     */
    dataset: z
      .strictObject({
        dir: z.string().min(1),
        sources: z.record(z.string().min(1), z.string().min(1)),
        prices: z.record(z.string().min(1), z.string().min(1)).default({}),
      })
      .optional(),
  })
  .prefault({});

/** Where state lives (the store keel.db with the journal and market history, intents, proposals, lock). */
export const stateSection = z
  .strictObject({
    dir: z.string().min(1).default(".keel"),
    /** Decisions older than this many days are deleted from the journal. */
    journalRetentionDays: z.number().int().min(1).max(3_650).default(90),
    /**
     * Days of market history kept (in the store, and in memory for risk windows and forecasts), one
     * point per source per hour (the newest of each hour), whatever the tick rate. The model needs 88.
     */
    historyDays: z.number().int().min(60).max(3_650).default(400),
    backfill: backfillSection,
  })
  .prefault({});

export const logSection = z
  .strictObject({
    level: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
    /** `auto` pretty-prints on a terminal and writes JSON otherwise. */
    format: z.enum(["auto", "json", "pretty"]).default("auto"),
  })
  .prefault({});

/** The embedded devnet (used when chain.rpcUrls is empty). */
export const devnetSection = z
  .strictObject({
    seed: z.number().int().min(0).default(1),
    /** Chain seconds the market simulator advances per step. */
    stepSeconds: z.number().int().min(1).max(86_400).default(3_600),
    /** Wall-clock milliseconds between simulator steps. */
    stepIntervalMs: z.number().int().min(50).max(600_000).default(2_000),
    /** Initial vault deposit, in whole units of the base asset. */
    initialDepositUnits: z.number().positive().default(1_000_000),
    /** Scheduled depeg and gas-spike episodes in the synthetic scenario. */
    episodes: z.boolean().default(true),
    /** A keel dataset folder to replay (rates, gas, base-asset price) instead of the synthetic scenario. */
    data: z.string().min(1).optional(),
    /** Also deploy a Uniswap v3 pool (the npm artifacts) and a v3 position adapter (kUSDC/kWETH, ±12 % range). */
    uniswapV3: z.boolean().default(false),
    /** On devnet the daemon ticks on every new block (each simulator step mines one). */
    tickOnNewBlock: z.boolean().default(true),
  })
  .prefault({});
