import { expect } from "chai";
import type { GasVerdict } from "../../../src/domain/decision.ts";
import { estimateFees, GWEI, medianWei, weiToUsd } from "../../../src/pipeline/gasCheck/fees.ts";
import { createGasCheckStage, type GasOptions } from "../../../src/pipeline/gasCheck/gasCheck.ts";
import { createModelGasEstimator } from "../../../src/pipeline/gasCheck/gasModel.ts";
import type { StageResult } from "../../../src/pipeline/stage.ts";
import type { GasEstimator } from "../../../src/ports/execution.ts";
import { planWithGain, snapshot, source } from "../../support/optimizeFixtures.ts";

const signal = new AbortController().signal;
const opts: GasOptions = {
  minGainToCostRatio: 3,
  maxGasPriceGwei: 100,
  cooldownSeconds: 3_600,
  maxRebalancesPerDay: 2,
};
const fixedGas = (units: bigint): GasEstimator => ({ estimateGas: async () => units });
const noHistory = async () => [];

function codes(r: StageResult<GasVerdict>): string[] {
  return r.status === "halt" ? r.reasons.map((x) => x.code) : [];
}

describe("gas check stage", () => {
  // 300k gas at (20 + 1) gwei and $2000/ETH = $12.60.
  const snap = snapshot([source("a", 5, 0)], 1_000);

  it("prices the plan with EIP-1559 fees and passes when the P10 gain covers k × cost", async () => {
    const stage = createGasCheckStage(opts, { estimator: fixedGas(300_000n), rebalanceTimes: noHistory });
    const r = await stage.run({ snapshot: snap, plan: planWithGain(100) }, signal);
    if (r.status !== "ok") throw new Error(r.summary);
    expect(r.value.gasUnits).to.equal(300_000n);
    expect(r.value.costWei).to.equal(300_000n * 21n * GWEI);
    expect(r.value.costUsd).to.be.closeTo(12.6, 1e-9);
    expect(r.value.maxFeePerGasWei).to.equal(41n * GWEI);
    expect(r.value.maxPriorityFeePerGasWei).to.equal(GWEI);
    expect(r.value.gainToCost).to.be.closeTo(100 / 12.6, 1e-9);
  });

  it("skips a rebalance whose P10 gain is below k × gas", async () => {
    const stage = createGasCheckStage(opts, { estimator: fixedGas(300_000n), rebalanceTimes: noHistory });
    const r = await stage.run({ snapshot: snap, plan: planWithGain(30) }, signal);
    expect(codes(r)).to.deep.equal(["GAIN_BELOW_COST"]);
  });

  it("waives the gain test for a forced exit, but not the fee cap", async () => {
    const stage = createGasCheckStage(opts, { estimator: fixedGas(300_000n), rebalanceTimes: noHistory });
    const exit = { ...planWithGain(-50), needsApproval: true };
    const r = await stage.run({ snapshot: snap, plan: exit }, signal);
    expect(r.status).to.equal("ok");
    expect(r.status === "ok" && r.reasons?.map((x) => x.code)).to.deep.equal(["GAIN_TEST_WAIVED"]);
    const spike = { ...snap, baseFeesWei: [400n * GWEI] };
    expect(codes(await stage.run({ snapshot: spike, plan: exit }, signal))).to.deep.equal(["FEE_CAP"]);
  });

  it("defers on a gas-spike block: fee above the cap", async () => {
    const stage = createGasCheckStage(opts, { estimator: fixedGas(300_000n), rebalanceTimes: noHistory });
    const spike = { ...snap, baseFeesWei: [20n * GWEI, 400n * GWEI] };
    const r = await stage.run({ snapshot: spike, plan: planWithGain(1e9) }, signal);
    expect(codes(r)).to.include("FEE_CAP");
  });

  it("halts inside the cool-down after the last rebalance", async () => {
    const stage = createGasCheckStage(opts, {
      estimator: fixedGas(300_000n),
      rebalanceTimes: async () => [snap.timestamp - 600],
    });
    const r = await stage.run({ snapshot: snap, plan: planWithGain(1e6) }, signal);
    expect(codes(r)).to.deep.equal(["COOLDOWN"]);
  });

  it("holds a re-range to its adapter's own interval, not the rebalance cool-down and daily cap", async () => {
    const stage = createGasCheckStage(opts, {
      estimator: fixedGas(800_000n),
      rebalanceTimes: async () => Array.from({ length: 30 }, (_, i) => snap.timestamp - 600 - i),
    });
    const rerange = { sourceId: "a", tickLower: -600, tickUpper: 600, gainUsd: 1e6, costUsd: 10 };
    const r = await stage.run({ snapshot: snap, plan: { ...planWithGain(1e6), moves: [], rerange } }, signal);
    expect(r.status, JSON.stringify(r.reasons)).to.equal("ok");
    const rebalance = await stage.run({ snapshot: snap, plan: planWithGain(1e6) }, signal);
    expect(codes(rebalance)).to.include("COOLDOWN");
  });

  it("halts at the daily rebalance cap over a rolling 24 hours", async () => {
    const stage = createGasCheckStage(opts, {
      estimator: fixedGas(300_000n),
      rebalanceTimes: async () => [snap.timestamp - 80_000, snap.timestamp - 40_000, snap.timestamp - 90_000],
    });
    const r = await stage.run({ snapshot: snap, plan: planWithGain(1e6) }, signal);
    expect(codes(r)).to.deep.equal(["DAILY_CAP"]);
  });

  it("halts when the keeper cannot pay the worst-case fee", async () => {
    const stage = createGasCheckStage(opts, { estimator: fixedGas(300_000n), rebalanceTimes: noHistory });
    const poor = { ...snap, keeperBalanceWei: 300_000n * 41n * GWEI - 1n };
    const r = await stage.run({ snapshot: poor, plan: planWithGain(1e6) }, signal);
    expect(codes(r)).to.deep.equal(["KEEPER_BALANCE_LOW"]);
  });
});

describe("EIP-1559 fee estimate", () => {
  it("uses the higher of latest and median base fee, doubled, plus priority, clamped to the cap", () => {
    const f = estimateFees([10n * GWEI, 30n * GWEI, 20n * GWEI], 2n * GWEI);
    expect(f.baseFeeWei).to.equal(20n * GWEI);
    expect(f.effectiveFeePerGasWei).to.equal(22n * GWEI);
    expect(f.maxFeePerGasWei).to.equal(42n * GWEI);
    expect(estimateFees([10n * GWEI], 2n * GWEI, 15n * GWEI).maxFeePerGasWei).to.equal(15n * GWEI);
  });

  it("anchors the max fee on the median when the latest base fee is below it (lower middle of the sorted history)", () => {
    const f = estimateFees([40n * GWEI, 30n * GWEI, 50n * GWEI, 10n * GWEI], 2n * GWEI);
    expect([f.baseFeeWei, f.effectiveFeePerGasWei, f.maxFeePerGasWei]).to.deep.equal([
      10n * GWEI,
      12n * GWEI,
      62n * GWEI,
    ]);
    expect(medianWei([4n, 1n, 3n, 2n])).to.equal(2n);
    expect(medianWei([7n])).to.equal(7n);
    expect(medianWei([])).to.equal(0n);
  });

  it("never bids a negative priority fee", () => {
    const f = estimateFees([10n * GWEI], -5n);
    expect([f.maxPriorityFeePerGasWei, f.effectiveFeePerGasWei, f.maxFeePerGasWei]).to.deep.equal([
      0n,
      10n * GWEI,
      20n * GWEI,
    ]);
  });

  it("treats an empty history as a zero base fee", () => {
    expect(estimateFees([], GWEI).effectiveFeePerGasWei).to.equal(GWEI);
  });

  it("converts wei to USD", () => {
    expect(weiToUsd(10n ** 18n, 2_000)).to.be.closeTo(2_000, 1e-9);
    expect(weiToUsd(1_500_000_000n, 2_000)).to.be.closeTo(3e-6, 1e-15);
  });
});

describe("per-move gas model", () => {
  const model = {
    baseGas: 90_000,
    depositGas: { lending: 190_000, vault: 140_000, lp: 280_000 },
    withdrawGas: { lending: 210_000, vault: 150_000, lp: 260_000 },
    swapGas: 110_000,
  };

  it("sums the base gas and one leg per move by kind", async () => {
    const est = createModelGasEstimator(model);
    const snap = snapshot([source("a", 5, 10), source("v", 5, 0, { kind: "vault" })], 10);
    const plan = {
      ...planWithGain(1),
      moves: [
        { sourceId: "a", direction: "withdraw" as const, amount: 1n },
        { sourceId: "v", direction: "deposit" as const, amount: 1n },
      ],
    };
    expect(await est.estimateGas(plan, snap, signal)).to.equal(90_000n + 210_000n + 140_000n);
  });

  it("adds the swap gas to each leg of a swap-leg source", async () => {
    const est = createModelGasEstimator(model);
    const swap = { feeBps: 1, virtualReserveUsd: 1e9 };
    const snap = snapshot([source("a", 5, 10), { ...source("t", 5, 10), swap }], 10);
    const plan = {
      ...planWithGain(1),
      moves: [
        { sourceId: "a", direction: "withdraw" as const, amount: 1n },
        { sourceId: "t", direction: "deposit" as const, amount: 1n },
      ],
    };
    expect(await est.estimateGas(plan, snap, signal)).to.equal(90_000n + 210_000n + 190_000n + 110_000n);
  });

  it("costs an empty plan nothing", async () => {
    const est = createModelGasEstimator(model);
    expect(await est.estimateGas({ ...planWithGain(1), moves: [] }, snapshot([], 1), signal)).to.equal(0n);
  });
});
