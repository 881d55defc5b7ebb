import { z } from "zod";

/** When ticks run. A tick that finds the previous one running is skipped and counted. */
export const scheduleSection = z
  .strictObject({
    /** node-cron expression (seconds field allowed); used when `onNewBlock` is false. */
    cron: z.string().min(1).default("*/30 * * * * *"),
    /** Tick on every new block instead of the cron schedule. */
    onNewBlock: z.boolean().default(false),
    /** Poll interval for new blocks and pause events. */
    pollIntervalMs: z.number().int().min(100).max(60_000).default(2_000),
    /** A tick that runs longer than this is aborted. */
    tickTimeoutMs: z.number().int().min(1_000).max(600_000).default(60_000),
  })
  .prefault({});
