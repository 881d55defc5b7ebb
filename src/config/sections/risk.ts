import { z } from "zod";
import { pct } from "./common.ts";

/** Risk gate limits. Thresholds are graded: alert < stop new allocation < exit < pause. */
export const riskSection = z
  .strictObject({
    /** A snapshot older than this (block time vs wall clock) halts the tick. */
    maxDataAgeSeconds: z.number().int().min(1).max(86_400).default(600),
    /** Oracle heartbeat: an observation older than this is stale. */
    oracleHeartbeatSeconds: z.number().int().min(1).max(7 * 86_400).default(3_600),
    depegAlertPct: pct.default(0.5),
    depegStopPct: pct.default(1),
    depegExitPct: pct.default(3),
    depegPausePct: pct.default(5),
    /** Pull the on-chain kill-switch (guardian key) when a trigger fires. */
    pauseOnTrigger: z.boolean().default(false),
    /** A source's share-price or TVL drop beyond this, within the window, counts as an exploit. */
    drainDropPct: pct.default(20),
    drainWindowSeconds: z.number().int().min(60).max(30 * 86_400).default(86_400),
  })
  .prefault({})
  .refine((r) => r.depegAlertPct <= r.depegStopPct && r.depegStopPct <= r.depegExitPct && r.depegExitPct <= r.depegPausePct, {
    message: "depeg thresholds must rise: alert ≤ stop ≤ exit ≤ pause",
  });
