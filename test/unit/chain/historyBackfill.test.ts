// History backfill from past blocks over a hand-made chain: which hours it reads, how far back it
// gets on a node that keeps only recent state, and the block search over irregular block times.
import { expect } from "chai";
import pino from "pino";
import { BlockTimes, backfillFromChain } from "../../../src/adapters/ethers/historyBackfill.ts";
import type { PastMarket } from "../../../src/adapters/ethers/marketReader.ts";
import { type HistoryEntry, memoryHistoryStore } from "../../../src/adapters/memory/historyStore.ts";
import { KeelError } from "../../../src/domain/errors.ts";

const H = 3_600;
const START = 1_800_000_000 - (1_800_000_000 % H);
const logger = pino({ level: "silent" });

/** A chain with one block every 12 s for `hours`, a lending source whose rate is the hour number. */
function chain(hours: number, opts: { oldestState?: number } = {}) {
  const times = Array.from({ length: (hours * H) / 12 }, (_v, i) => START + i * 12);
  const reads: number[] = [];
  const timestampOf = async (n: number) => times[n] as number;
  const readAt = async (n: number): Promise<PastMarket> => {
    if (opts.oldestState !== undefined && n < opts.oldestState)
      throw new KeelError("RPC_ERROR", "missing trie node (pruned)", { retryable: false });
    reads.push(n);
    const t = times[n] as number;
    return {
      block: n,
      t,
      prices: { ETH: 3_000 },
      vaultSharePrice: 1 + n / 1e6,
      sources: [
        { id: "aave", kind: "lending", aprPct: Math.floor((t - START) / H), tvlUsd: 1e6, utilization: 0.5 },
        {
          id: "vault",
          kind: "vault",
          aprPct: Number.NaN,
          tvlUsd: 1e6,
          utilization: null,
          sharePrice: 1 + n / 1e7,
          index: 1 + n / 1e7,
        },
      ],
    };
  };
  return {
    times,
    reads,
    timestampOf,
    readAt,
    head: async () => ({ number: times.length - 1, timestamp: times.at(-1) as number }),
  };
}

function target() {
  const store = memoryHistoryStore({ maxPointsPerSeries: 10_000, resolutionSeconds: H });
  const written: HistoryEntry[] = [];
  return {
    store,
    written,
    history: {
      addAll(entries: readonly HistoryEntry[]) {
        written.push(...entries);
        return entries.filter((e) => store.add(e)).length;
      },
      sourceTimes: (id: string) => store.sourceTimes(id),
    },
  };
}

describe("history backfill from past blocks", () => {
  it("reads the last block of every hour it lacks, newest first, and measures share-price rates over a day", async () => {
    const c = chain(72);
    const t = target();
    // Hours 10..19 are already there.
    for (let h = 10; h < 20; h++)
      t.store.add({
        kind: "source",
        key: "aave",
        point: { t: START + h * H + 5, aprPct: h, tvlUsd: 1, utilization: 0 },
      });
    const summary = await backfillFromChain(
      { days: 30, periodSeconds: H, rateWindowSeconds: 86_400 },
      { ...c, vaultExistsAt: async () => true, history: t.history, logger, signal: new AbortController().signal },
    );
    expect(summary.stopped).to.equal(undefined);
    // 71 complete hours before the head's hour; hour 0..70, of which 10..19 were there for aave but not vault.
    expect(summary.missingHours).to.equal(71);
    const aave = t.store.window(START + 100 * H, 100 * H).sources.aave ?? [];
    expect(aave.map((p) => p.aprPct)).to.deep.equal(Array.from({ length: 71 }, (_v, h) => h));
    // Each is the hour's last block (12 s blocks: the one 12 s before the next hour).
    for (const p of aave.filter((x) => x.aprPct >= 20)) expect(p.t % H).to.equal(H - 12);
    const vault = t.store.window(START + 100 * H, 100 * H).sources.vault ?? [];
    const last = vault.at(-1)!;
    const dayBefore = vault.filter((p) => p.t <= last.t - 86_400).at(-1)!;
    expect(last.aprPct).to.be.closeTo(
      ((last.sharePrice! / dayBefore.sharePrice! - 1) * 365 * 86_400 * 100) / (last.t - dayBefore.t),
      1e-9,
    );
  });

  it("on a node that keeps only recent state, keeps what it reached and says where it stopped", async () => {
    const c = chain(72, { oldestState: (40 * H) / 12 });
    const t = target();
    const summary = await backfillFromChain(
      { days: 30, periodSeconds: H, rateWindowSeconds: 86_400, chunkHours: 12 },
      { ...c, vaultExistsAt: async () => true, history: t.history, logger, signal: new AbortController().signal },
    );
    expect(summary.stopped).to.match(/missing trie node/);
    expect(summary.reachedBack).to.equal(new Date((START + 40 * H) * 1000).toISOString());
    const aave = t.store.window(START + 100 * H, 100 * H).sources.aave ?? [];
    expect(aave[0]?.aprPct).to.equal(40);
    expect(aave).to.have.length(31);
  });

  it("stops without a failure at the vault's deployment", async () => {
    const c = chain(30);
    const deployed = (5 * H) / 12;
    const readAt = async (n: number) => {
      if (n < deployed) throw new Error("could not decode result data");
      return c.readAt(n);
    };
    const t = target();
    const summary = await backfillFromChain(
      { days: 30, periodSeconds: H, rateWindowSeconds: 86_400 },
      {
        ...c,
        readAt,
        vaultExistsAt: async (n) => n >= deployed,
        history: t.history,
        logger,
        signal: new AbortController().signal,
      },
    );
    expect(summary.stopped).to.equal(undefined);
    expect(summary.reachedBack).to.equal(new Date((START + 5 * H) * 1000).toISOString());
  });

  it("finds the last block at or before a time over irregular block times in few reads", async () => {
    // Bursts of blocks one second apart, then an hour's gap.
    const times = Array.from({ length: 5_000 }, (_v, i) => START + Math.floor(i / 50) * H + (i % 50));
    let reads = 0;
    const blocks = new BlockTimes(
      async (n) => {
        reads++;
        return times[n] as number;
      },
      { number: 0, timestamp: times[0]! },
      { number: 4_999, timestamp: times[4_999]! },
    );
    for (const probe of [START + 37 * H + 20, START + 37 * H + 2_000, START + 99 * H + 49, START + 3]) {
      const b = await blocks.atOrBefore(probe);
      const expected = times.findLastIndex((x) => x <= probe);
      expect(b?.number, `block at ${probe - START}`).to.equal(expected);
    }
    expect(await blocks.atOrBefore(START - 1)).to.equal(undefined);
    expect(reads).to.be.below(80);
  });
});
