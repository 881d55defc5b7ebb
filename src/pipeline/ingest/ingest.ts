import { formatUnits } from "../../domain/amounts.ts";
import { KeelError } from "../../domain/errors.ts";
import { reason } from "../../domain/reasons.ts";
import type { Snapshot } from "../../domain/snapshot.ts";
import type { Clock } from "../../ports/clock.ts";
import type { HistoryStore, MarketReader } from "../../ports/market.ts";
import { halt, ok, type Stage } from "../stage.ts";
import type { Observed } from "../types.ts";

export interface IngestOptions {
  readonly expectedChainId: number;
  /** Block time older than this (vs the clock) halts. */
  readonly maxDataAgeSeconds: number;
  /** History window handed to later stages. */
  readonly lookbackSeconds: number;
  /** Tolerated mismatch between the vault's total assets and idle + Σ positions, in bps. */
  readonly maxAccountingGapBps: number;
}

/** Checks a snapshot before anything plans from it; returns the problems as halt reasons. */
export function validateSnapshot(s: Snapshot, opts: IngestOptions, nowSeconds: number) {
  const problems = [];
  if (s.chainId !== opts.expectedChainId) {
    problems.push(
      reason("CHAIN_ID_MISMATCH", `chain id ${s.chainId}, expected ${opts.expectedChainId}`, { severity: "halt" }),
    );
  }
  const age = nowSeconds - s.timestamp;
  if (age > opts.maxDataAgeSeconds) {
    problems.push(
      reason("STALE_DATA", `head block is ${age}s old`, {
        value: age,
        limit: opts.maxDataAgeSeconds,
        severity: "halt",
      }),
    );
  }
  // Against the allocator's books when it keeps them (live values differ from them by unreported gains and
  // losses, and by profit still unlocking); against the live positions otherwise.
  const positions = s.vault.booked?.debt ?? s.sources.reduce((acc, src) => acc + src.balance, 0n);
  const locked = s.vault.booked?.locked ?? 0n;
  const parts = s.vault.idle + positions > locked ? s.vault.idle + positions - locked : 0n;
  const total = s.vault.totalAssets;
  const gap = parts > total ? parts - total : total - parts;
  if (total > 0n && gap * 10_000n > total * BigInt(opts.maxAccountingGapBps)) {
    problems.push(
      reason("INCONSISTENT_DATA", "vault total assets differ from idle + positions", {
        value: Number((gap * 10_000n) / total),
        limit: opts.maxAccountingGapBps,
        severity: "halt",
      }),
    );
  }
  for (const src of s.sources) {
    if (!Number.isFinite(src.aprPct) || !Number.isFinite(src.tvlUsd) || src.tvlUsd < 0) {
      problems.push(
        reason("BAD_SOURCE_DATA", `source ${src.id} reported non-finite data`, { sourceId: src.id, severity: "halt" }),
      );
    }
  }
  return problems;
}

/**
 * ingest: observe the chain, validate, remember, and hand on the snapshot with its history. A paused
 * or shut-down vault is still observed and recorded, then halts the tick.
 */
export function createIngestStage(
  opts: IngestOptions,
  deps: { market: MarketReader; history: HistoryStore; clock: Clock },
): Stage<void, Observed> {
  return {
    async run(_input, signal) {
      let snapshot: Snapshot;
      try {
        snapshot = await deps.market.observe(signal);
      } catch (err) {
        // RPC endpoints that disagree on the state are an answer (observe only), not a crash.
        if (!(err instanceof KeelError) || err.code !== "RPC_STATE_DISAGREE") throw err;
        return halt([reason("RPC_STATE_DISAGREE", err.message, { severity: "halt" })]);
      }
      const problems = validateSnapshot(snapshot, opts, Math.floor(deps.clock.now() / 1000));
      if (problems.length > 0) return halt(problems);
      deps.history.record(snapshot);
      if (snapshot.vault.shutdown) return halt([reason("SHUTDOWN", "vault is shut down", { severity: "halt" })]);
      if (snapshot.vault.paused) return halt([reason("PAUSED", "vault is paused (kill-switch)", { severity: "halt" })]);
      const history = deps.history.window(snapshot.timestamp, opts.lookbackSeconds);
      return ok(
        { snapshot, history },
        `block ${snapshot.block}, ${snapshot.sources.length} sources, total ${formatUnits(snapshot.vault.totalAssets, snapshot.baseAsset.decimals)} ${snapshot.baseAsset.symbol}`,
      );
    },
  };
}
