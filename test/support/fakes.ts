import type { DecisionRecord } from "../../src/domain/decision.ts";
import type { Snapshot, SourceState } from "../../src/domain/snapshot.ts";
import type { Clock } from "../../src/ports/clock.ts";

/** A hand-driven clock for tests. */
export function fakeClock(startMs = Date.UTC(2026, 0, 1)): Clock & { advance(ms: number): void } {
  let now = startMs;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    advance(ms) {
      now += ms;
    },
  };
}

/** A source with sensible defaults. */
export function source(id: string, over: Partial<SourceState> = {}): SourceState {
  return {
    id,
    kind: "vault",
    protocol: "erc4626",
    asset: "USDC",
    aprPct: 4,
    tvlUsd: 5_000_000,
    utilization: null,
    balance: 0n,
    maxWithdraw: 0n,
    ...over,
  };
}

/** A consistent snapshot of a 1 000 000-unit (6 decimals) vault, all idle unless sources hold balances. */
export function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  const sources = over.sources ?? [source("a"), source("b", { aprPct: 6 })];
  const total = 1_000_000n * 10n ** 6n;
  const held = sources.reduce((acc, s) => acc + s.balance, 0n);
  return {
    chainId: 31337,
    block: 100,
    timestamp: 1_767_225_600,
    baseAsset: { symbol: "USDC", decimals: 6, priceUsd: 1 },
    vault: {
      totalAssets: total,
      idle: total - held,
      totalSupply: total * 10n ** 6n,
      sharePrice: 1,
      paused: false,
      shutdown: false,
    },
    sources,
    prices: { USDC: [{ symbol: "USDC", priceUsd: 1, updatedAt: 1_767_225_600, origin: "oracle" }] },
    baseFeesWei: [10_000_000_000n],
    priorityFeeWei: 1_000_000_000n,
    nativeUsd: 3_000,
    keeperBalanceWei: 10n ** 18n,
    ...over,
  };
}

/** A minimal decision record. */
export function record(id: string, startedAt: number, over: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    id,
    trigger: "manual",
    startedAt,
    configHash: "h",
    modelHash: "m",
    chainId: 31337,
    block: 1,
    outcome: "halted",
    stages: [],
    haltReasons: [],
    detail: {},
    ...over,
  };
}
