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

/** Where state lives (journal, intents, lock). */
export const stateSection = z
  .strictObject({
    dir: z.string().min(1).default(".keel"),
    /** Journal files older than this many days are deleted. */
    journalRetentionDays: z.number().int().min(1).max(3_650).default(90),
    /**
     * Days of market history kept in memory for risk windows and forecasts, one point per source per
     * hour (the newest of each hour), whatever the tick rate. The forecaster needs about 60.
     */
    historyDays: z.number().int().min(60).max(3_650).default(400),
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
    /** On devnet the daemon ticks on every new block (each simulator step mines one). */
    tickOnNewBlock: z.boolean().default(true),
  })
  .prefault({});
