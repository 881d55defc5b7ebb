import { expect } from "chai";
import { createAllocatorCodec } from "../../../src/adapters/execution/allocatorCodec.ts";
import { keelHistory, keelOptions, newMarket } from "../../../src/backtest/engine.ts";
import { memoryJournal } from "../../../src/backtest/journal.ts";
import { keelStages, simClock, simExecution } from "../../../src/backtest/keel.ts";
import { knownView } from "../../../src/backtest/known.ts";
import type { SimMarket } from "../../../src/backtest/market.ts";
import { DatasetPrices } from "../../../src/backtest/prices.ts";
import { createSimChain, SIM_ALLOCATOR, SIM_KEEPER, type SimChain } from "../../../src/backtest/simChain.ts";
import { backtestExecutionOptions } from "../../../src/composition/executionOptions.ts";
import { parseConfig } from "../../../src/config/load.ts";
import type { DecisionRecord, Move } from "../../../src/domain/decision.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import { createBaseline } from "../../../src/ml/baselines.ts";
import { runTick } from "../../../src/pipeline/runTick.ts";
import type { Intent } from "../../../src/ports/execution.ts";
import { backtestOver, DAY, scriptedDataset, T0 } from "../../support/backtest.ts";

const UNIT = 1_000_000n;
const codec = createAllocatorCodec();
const move = (sourceId: string, direction: Move["direction"], amount: bigint): Move => ({
  sourceId,
  direction,
  amount,
});

/** A simulated chain over a vault that records what it is asked to apply (and moves all of it unless `stuck`). */
function fakeChain(o: { stuck?: boolean } = {}) {
  const applied: { moves: Move[]; gasUnits: bigint }[] = [];
  const sim = createSimChain(codec, {
    vault: {
      apply(moves, gasUnits) {
        applied.push({ moves: [...moves], gasUnits });
        return { moves: o.stuck ? [] : moves };
      },
    },
    sources: ["usdc", "usdt"],
    gasUsed: (moves) => 100_000n + 50_000n * BigInt(moves.length),
    chainId: 1,
    keeperBalanceWei: 10n ** 18n,
  });
  return { sim, applied };
}

/** Signs a call as the keeper at `nonce` and broadcasts it; returns the hash, the node's answer and the receipt. */
async function send(sim: SimChain, nonce: number, data: string, to = SIM_ALLOCATOR) {
  const request = { from: SIM_KEEPER, nonce, to, data, chainId: 1n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n };
  const signed = await sim.signer.sign(request);
  const outcome = await sim.broadcaster.sendRaw(signed.raw);
  return { ...signed, outcome, receipt: await sim.chain.receipt(signed.hash) };
}

const rebalance = (sim: SimChain, id: string, moves: Move[]) => sim.encoder.encodeRebalance(id, moves);

/** The revert a simulation throws: EXECUTION_REVERTED with the decoded error name. */
async function simulatedRevert(sim: SimChain, data: string, to = SIM_ALLOCATOR): Promise<unknown> {
  const err = await sim.chain.simulate({ from: SIM_KEEPER, to, data }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(KeelError);
  expect((err as KeelError).code).to.equal("EXECUTION_REVERTED");
  return (err as KeelError).context.error;
}

/** A $1 M USDC vault over two scripted lending sources, at day 30, with the default config. */
function scriptedMarket(): {
  market: SimMarket;
  config: ReturnType<typeof parseConfig>["config"];
  data: ReturnType<typeof scriptedDataset>;
} {
  const loaded = parseConfig(
    { model: { path: "/nonexistent/keel-test/model.onnx", baseline: "persistence" }, state: { historyDays: 60 } },
    "test",
  );
  const { config } = loaded;
  const data = scriptedDataset({ days: 60, rates: { a: () => 4, b: (d) => 5 + (d % 7) / 10 } });
  const bt = config.backtest;
  const prices = new DatasetPrices(knownView(data), data, bt.stablecoins, bt.maxRateAgeSeconds);
  return {
    market: newMarket({ start: T0 + 30 * DAY, capitalUsd: 1_000_000, config }, data.pools, prices),
    config,
    data,
  };
}

describe("the backtest's simulated chain", () => {
  it("mines a rebalance in the next block and applies its moves to the market", async () => {
    const { market, config } = scriptedMarket();
    const sim = createSimChain(codec, {
      vault: market,
      sources: ["a", "b"],
      gasUsed: () => 300_000n,
      chainId: config.chain.chainId,
      keeperBalanceWei: market.keeperBalanceWei(),
    });
    const idle = market.idle;
    const sent = await send(sim, 0, rebalance(sim, "keel-0", [move("a", "deposit", 100_000n * UNIT)]));
    expect(sent.outcome).to.equal("accepted");
    expect(sent.receipt).to.deep.equal({ hash: sent.hash, block: 1, success: true });
    expect(market.idle).to.equal(idle - 100_000n * UNIT);
    expect(market.units.get("a")).to.be.greaterThan(0n);
    expect(market.rebalances).to.have.length(1);
    expect(market.rebalances[0]?.moves).to.deep.equal([move("a", "deposit", 100_000n * UNIT)]);
    expect(market.gasUsd).to.be.greaterThan(0);
    const event = await sim.chain.findRebalanced(codec.intentIdOf("keel-0"));
    expect(event).to.include({ txHash: sent.hash, block: 1, caller: SIM_KEEPER });
  });

  it("hands the vault the moves by source id, with the gas the model gives them", async () => {
    const { sim, applied } = fakeChain();
    const moves = [move("usdt", "withdraw", 5n * UNIT), move("usdc", "deposit", 5n * UNIT)];
    const sent = await send(sim, 0, rebalance(sim, "keel-1", moves));
    expect(sent.receipt?.success).to.equal(true);
    expect(applied).to.deep.equal([{ moves, gasUnits: 200_000n }]);
  });

  describe("reverts as the allocator does", () => {
    const cases: { name: string; data: (sim: SimChain) => string; to?: string; simulated: boolean }[] = [
      { name: "NotARebalance", data: () => "0x12345678", simulated: true },
      { name: "NotARebalance", data: (sim) => sim.encoder.encodeRerange(-60, 60), to: SIM_KEEPER, simulated: true },
      { name: "NoMoves", data: (sim) => rebalance(sim, "keel-2", []), simulated: true },
      {
        name: "UnknownAdapter",
        data: (sim) => rebalance(sim, "keel-3", [move("not-listed", "deposit", UNIT)]),
        simulated: true,
      },
    ];
    for (const c of cases) {
      it(`${c.name}${c.to ? " (a call to another contract)" : ""}: a failed receipt, the vault untouched, the nonce used`, async () => {
        const { sim, applied } = fakeChain();
        const data = c.data(sim);
        expect(await simulatedRevert(sim, data, c.to)).to.equal(c.name);
        const sent = await send(sim, 0, data, c.to);
        expect(sent.receipt).to.deep.equal({ hash: sent.hash, block: 1, success: false });
        expect(
          (await sim.chain.minedRevert(sent.receipt!, { from: SIM_KEEPER, to: SIM_ALLOCATOR, data }))?.name,
        ).to.equal(c.name);
        expect(applied).to.deep.equal([]);
        expect(await sim.chain.minedNonce(SIM_KEEPER)).to.equal(1);
      });
    }

    it("IntentAlreadyUsed: the same intent id a second time, whatever its moves", async () => {
      const { sim, applied } = fakeChain();
      const first = await send(sim, 0, rebalance(sim, "keel-4", [move("usdc", "deposit", UNIT)]));
      expect(first.receipt?.success).to.equal(true);
      const again = rebalance(sim, "keel-4", [move("usdt", "deposit", UNIT)]);
      expect(await simulatedRevert(sim, again)).to.equal("IntentAlreadyUsed");
      const second = await send(sim, 1, again);
      expect(second.receipt?.success).to.equal(false);
      const revert = await sim.chain.minedRevert(second.receipt!, { from: SIM_KEEPER, to: SIM_ALLOCATOR, data: again });
      expect(revert).to.include({ name: "IntentAlreadyUsed" });
      expect(revert?.args).to.deep.equal([codec.intentIdOf("keel-4")]);
      expect(applied).to.have.length(1);
    });

    it("NothingMoved: no move could move anything (found only when mined: it depends on the vault then)", async () => {
      const { sim } = fakeChain({ stuck: true });
      const data = rebalance(sim, "keel-5", [move("usdc", "withdraw", UNIT)]);
      await sim.chain.simulate({ from: SIM_KEEPER, to: SIM_ALLOCATOR, data });
      const sent = await send(sim, 0, data);
      expect(sent.receipt?.success).to.equal(false);
      expect(
        (await sim.chain.minedRevert(sent.receipt!, { from: SIM_KEEPER, to: SIM_ALLOCATOR, data }))?.name,
      ).to.equal("NothingMoved");
      expect(await sim.chain.findRebalanced(codec.intentIdOf("keel-5"))).to.equal(undefined);
    });
  });

  it("counts nonces: each mined transaction takes the next; a used one is refused; a later one waits its turn", async () => {
    const { sim } = fakeChain();
    expect(await sim.chain.minedNonce(SIM_KEEPER)).to.equal(0);
    const first = await send(sim, 0, rebalance(sim, "n-0", [move("usdc", "deposit", UNIT)]));
    expect([await sim.chain.minedNonce(SIM_KEEPER), await sim.chain.pendingNonce(SIM_KEEPER)]).to.deep.equal([1, 1]);
    expect(await sim.broadcaster.sendRaw(first.raw)).to.equal("nonce-used");
    const later = await send(sim, 2, rebalance(sim, "n-2", [move("usdc", "deposit", UNIT)]));
    expect([later.outcome, later.receipt]).to.deep.equal(["accepted", undefined]);
    const next = await send(sim, 1, rebalance(sim, "n-1", [move("usdc", "deposit", UNIT)]));
    expect(next.receipt?.block).to.equal(2);
    expect((await sim.chain.receipt(later.hash))?.block).to.equal(3);
    expect(await sim.chain.minedNonce(SIM_KEEPER)).to.equal(3);
    expect(await sim.chain.head()).to.equal(3);
  });
});

describe("the backtest's execution core over the simulated chain", () => {
  async function intentOf(market: SimMarket, id: string, moves: Move[]): Promise<Intent> {
    const plan = { targetWeights: {}, moves, gainP10Usd: 0, gainP50Usd: 0, slippageUsd: 0, needsApproval: false };
    const gas = {
      gasUnits: 300_000n,
      maxFeePerGasWei: 30_000_000_000n,
      maxPriorityFeePerGasWei: 1_000_000_000n,
      costWei: 0n,
      costUsd: 0,
      gainToCost: 0,
    };
    return { id, decisionId: id, plan, gas, snapshot: await market.observe() };
  }

  it("takes an intent by the direct route to included, and settles it final once the chain runs on", async () => {
    const { market, config } = scriptedMarket();
    const options = backtestExecutionOptions(
      { ...config, execution: { ...config.execution, route: "auto" } },
      SIM_ALLOCATOR,
    );
    const { execution, settle } = await simExecution(options, config.strategy.gasModel, market, simClock(market));
    const signal = new AbortController().signal;
    const action = await execution.executor.execute(
      await intentOf(market, "i-0", [move("a", "deposit", UNIT)]),
      signal,
    );
    expect(action).to.include({ route: "direct", intentId: "i-0", status: "included", block: 1 });
    expect(execution.store.get("i-0")?.state).to.equal(config.chain.confirmations > 1 ? "included" : "final");
    await settle();
    expect(execution.store.get("i-0")).to.include({ state: "final", nonce: 0, from: SIM_KEEPER });
    expect(await execution.listPendingIntents()).to.deep.equal([]);
  });

  it("ends a reverted intent failed with the decoded error, and the next intent takes the next nonce", async () => {
    const { market, config } = scriptedMarket();
    const options = backtestExecutionOptions(config, SIM_ALLOCATOR);
    const { execution } = await simExecution(options, config.strategy.gasModel, market, simClock(market));
    const signal = new AbortController().signal;
    // Nothing is held in `b`: the withdrawal moves nothing, which the chain finds only when it mines it.
    const err = await execution.executor
      .execute(await intentOf(market, "i-1", [move("b", "withdraw", UNIT)]), signal)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((err as KeelError).code).to.equal("EXECUTION_REVERTED");
    expect((err as KeelError).context.error).to.equal("NothingMoved");
    expect(execution.store.get("i-1")).to.include({ state: "failed", nonce: 0 });
    await execution.executor.execute(await intentOf(market, "i-2", [move("a", "deposit", UNIT)]), signal);
    expect(execution.store.get("i-2")?.nonce).to.equal(1);
  });

  it("runs the keel strategy's intents by the direct route, each final within its tick", async () => {
    const { market, config, data } = scriptedMarket();
    const keel = await keelStages(keelOptions(config), {
      market,
      history: keelHistory(config, market, data.pools),
      forecasters: { model: undefined, baseline: createBaseline("persistence") },
    });
    const journal = memoryJournal();
    const signal = new AbortController().signal;
    const decisions: DecisionRecord[] = [];
    for (let day = 30; day <= 44; day++) {
      market.t = T0 + day * DAY;
      const ctx = { id: `keel-${day}`, trigger: "backtest" as const, configHash: "h", chainId: config.chain.chainId };
      decisions.push(await runTick(ctx, { stages: keel.stages, journal, clock: keel.clock }, signal));
      await keel.settle();
      expect(await keel.execution.listPendingIntents(), `day ${day}`).to.deep.equal([]);
      market.advance(DAY);
    }
    const actions = decisions.flatMap((d) => (d.detail.action ? [d.detail.action] : []));
    expect(actions.length).to.be.greaterThan(0);
    for (const a of actions) expect(a).to.include({ route: "direct", status: "included" });
    expect(keel.execution.store.list().map((r) => r.state)).to.deep.equal(actions.map(() => "final"));
    expect(market.rebalances).to.have.length(actions.length);
  });

  it("journals the direct route in a backtest's keel decisions", async () => {
    const data = scriptedDataset({ days: 60, rates: { a: () => 4, b: (d) => 5 + (d % 7) / 10 } });
    const r = await backtestOver(data, { fromDay: 30, toDay: 44 });
    const actions = r.runs[0]!.decisions.flatMap((d) => (d.detail.action ? [d.detail.action] : []));
    expect(r.keel?.executed).to.equal(actions.length).and.to.be.greaterThan(0);
    for (const a of actions) {
      expect(a).to.include({ route: "direct", status: "included" });
      expect(a.txHashes).to.have.length(1);
    }
  });
});
