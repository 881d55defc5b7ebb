import { expect } from "chai";
import {
  aprAfterSupplyChange,
  borrowAprPct,
  type KinkedIrm,
  swapCostFraction,
  utilizationAfter,
} from "../../../src/pipeline/optimize/impact.ts";
import { createOptimizeStage } from "../../../src/pipeline/optimize/optimize.ts";
import type { StageResult } from "../../../src/pipeline/stage.ts";
import {
  forecast,
  optimizeInput,
  optimizeOptions,
  snapshot,
  source,
  UNIT,
  verdict,
} from "../../support/optimizeFixtures.ts";

const signal = new AbortController().signal;
const AAVE: KinkedIrm = { optimalUtilization: 0.9, baseRatePct: 0, slope1Pct: 6, slope2Pct: 60 };
const codes = (r: StageResult<unknown>) => (r.status === "halt" ? r.reasons.map((x) => x.code) : ["OK"]);

describe("own impact: a lending market's rate after the vault's own supply changes", () => {
  it("follows the kinked borrow curve: slope 1 to the kink, slope 2 above it", () => {
    expect(borrowAprPct(0.45, AAVE)).to.be.closeTo(3, 1e-12);
    expect(borrowAprPct(0.9, AAVE)).to.be.closeTo(6, 1e-12);
    expect(borrowAprPct(0.95, AAVE)).to.be.closeTo(36, 1e-12);
  });

  it("keeps the borrows: supplying $100 M to a $400 M market at 90 % takes utilisation to 72 %", () => {
    const obs = { aprPct: 5, tvlUsd: 400e6, utilization: 0.9 };
    expect(utilizationAfter(obs, 0, 100e6)).to.be.closeTo(0.72, 1e-12);
    // Supply APR ∝ U × borrow(U): (0.72 × 4.8) / (0.9 × 6) of the observed 5 %.
    expect(aprAfterSupplyChange(obs, 0, 100e6, AAVE)).to.be.closeTo((5 * 0.72 * 4.8) / (0.9 * 6), 1e-9);
  });

  it("lowers the rate more the more the vault adds, and raises it when the vault leaves", () => {
    const obs = { aprPct: 8, tvlUsd: 200e6, utilization: 0.92 };
    const small = aprAfterSupplyChange(obs, 0, 1e6, AAVE);
    const large = aprAfterSupplyChange(obs, 0, 50e6, AAVE);
    expect(small).to.be.lessThan(8);
    expect(large).to.be.lessThan(small);
    // Already holding $50 M: leaving it raises the rate back to what the market pays without us.
    const withUs = { aprPct: large, tvlUsd: 250e6, utilization: utilizationAfter(obs, 0, 50e6) };
    expect(aprAfterSupplyChange(withUs, 50e6, 0, AAVE)).to.be.closeTo(8, 1e-9);
  });

  it("leaves a market without utilisation as it is", () => {
    expect(aprAfterSupplyChange({ aprPct: 4, tvlUsd: 1e6, utilization: null }, 0, 5e6, AAVE)).to.equal(4);
  });
});

describe("swap leg: fee and price impact", () => {
  const route = { feeBps: 1, virtualReserveUsd: 40e9 };

  it("costs the fee alone for a vanishing amount, and the constant-product impact on top", () => {
    expect(swapCostFraction(0, route)).to.equal(1e-4);
    // $1 M on a $40 B virtual reserve: 1 bp fee + ≈ 0.25 bp impact.
    expect(swapCostFraction(1e6, route) * 1e4).to.be.closeTo(1.25, 0.01);
    expect(swapCostFraction(50e6, route)).to.be.greaterThan(swapCostFraction(1e6, route));
  });
});

describe("switching rule (optimize stage)", () => {
  // $1 M: 60 % in a at 4 %, 38 % in b (a swap leg at 1 bp + impact) at `bApr`.
  const swap = { feeBps: 1, virtualReserveUsd: 40e9 };
  const input = (bApr: number, extra: { aTvl?: number } = {}) => {
    const s = snapshot(
      [
        source("a", 4, 380_000, { tvlUsd: extra.aTvl ?? 1e9, utilization: 0.85 }),
        source("b", bApr, 600_000, { swap, tvlUsd: 1e9, utilization: 0.85 }),
      ],
      20_000,
    );
    return optimizeInput(s, forecast({ a: 4, b: bApr }, 0.05), verdict(["a", "b"], 0.6));
  };
  type Switching = { holdingDays: number; hysteresis: number; minHoldHours: number; confirmHours: number };
  const stage = (switching: Partial<Switching>, more = {}) =>
    createOptimizeStage(
      optimizeOptions({
        objective: "greedy",
        switching: { holdingDays: 30, hysteresis: 2, minHoldHours: 0, confirmHours: 0, ...switching },
        ...more,
      }),
    );

  it("amortises the switching costs over the holding period: a 0.1-point spread pays over 60 days, not over 3", async () => {
    // Moving 22 % ($220 k) from b (3.9 %) to a (4 %): ≈ $36 over 60 days against ≈ $45 of swap, slippage and gas.
    expect(codes(await stage({ holdingDays: 3, hysteresis: 1 }).run(input(3.9), signal))).to.deep.equal(["STAY"]);
    expect(codes(await stage({ holdingDays: 365, hysteresis: 1 }).run(input(3.9), signal))).to.deep.equal(["OK"]);
  });

  it("needs the P10 gain to beat hysteresis × the costs, not just the costs", async () => {
    const r1 = await stage({ holdingDays: 30, hysteresis: 1 }).run(input(3), signal);
    expect(codes(r1)).to.deep.equal(["OK"]);
    const plan = r1.status === "ok" ? r1.value : undefined;
    const costs = plan?.slippageUsd ?? 0;
    // The same plan with a hysteresis above its gain-to-cost ratio stays.
    const ratio = ((plan?.gainP10Usd ?? 0) + costs) / (costs + 20);
    const r2 = await stage({ holdingDays: 30, hysteresis: Math.ceil(ratio * 2) }).run(input(3), signal);
    expect(codes(r2)).to.deep.equal(["STAY"]);
  });

  it("holds positions for minHoldHours after a rebalance, but a forced exit still leaves", async () => {
    const now = 1_700_000_000;
    const held = createOptimizeStage(
      optimizeOptions({
        objective: "greedy",
        switching: { holdingDays: 30, hysteresis: 1, minHoldHours: 72, confirmHours: 0 },
      }),
      { rebalanceTimes: async () => [now - 10 * 3_600] },
    );
    expect(codes(await held.run(input(1), signal))).to.deep.equal(["MIN_HOLD"]);
    const forced = input(1);
    const exit = { ...forced, verdict: verdict(["a"], 0.6, { forcedExits: ["b"] }) };
    const r = await held.run(exit, signal);
    expect(r.status).to.equal("ok");
    expect(r.status === "ok" && r.value.moves.some((m) => m.sourceId === "b" && m.direction === "withdraw")).to.equal(
      true,
    );
  });

  it("makes a switch only once it has paid on every tick for confirmHours", async () => {
    const confirmed = stage({ holdingDays: 30, hysteresis: 1, confirmHours: 3 });
    const at = (h: number, bApr: number) => {
      const i = input(bApr);
      return { ...i, snapshot: { ...i.snapshot, timestamp: 1_700_000_000 + h * 3_600 } };
    };
    expect(codes(await confirmed.run(at(0, 1), signal))).to.deep.equal(["SWITCH_UNCONFIRMED"]);
    expect(codes(await confirmed.run(at(1, 1), signal))).to.deep.equal(["SWITCH_UNCONFIRMED"]);
    // One tick where nothing pays (b at a's rate) starts the count over.
    expect(codes(await confirmed.run(at(2, 4), signal))).to.deep.equal(["STAY"]);
    for (const h of [3, 4, 5])
      expect(codes(await confirmed.run(at(h, 1), signal))).to.deep.equal(["SWITCH_UNCONFIRMED"]);
    expect(codes(await confirmed.run(at(6, 1), signal))).to.deep.equal(["OK"]);
  });

  it("plans with its own impact: into a small market it moves less, or not at all, than into a deep one", async () => {
    // b pays 3 %, a 4 %: into a deep a the whole 22 % room is worth it; into a $2 M market at 85 % utilisation
    // $220 k more supply drops a's rate under b's, so the plan moves less (or stays).
    const deep = await stage({ holdingDays: 30, hysteresis: 1 }).run(input(3), signal);
    const shallow = await stage({ holdingDays: 30, hysteresis: 1 }).run(input(3, { aTvl: 2e6 }), signal);
    const into = (r: StageResult<{ moves: readonly { sourceId: string; direction: string; amount: bigint }[] }>) =>
      r.status === "ok"
        ? r.value.moves
            .filter((m) => m.sourceId === "a" && m.direction === "deposit")
            .reduce((x, m) => x + m.amount, 0n)
        : 0n;
    expect(into(deep)).to.be.greaterThan(200_000n * UNIT);
    expect(into(shallow)).to.be.lessThan(into(deep) / 2n);
    // Without the impact model the shallow market looks as good as the deep one.
    const blind = stage(
      { holdingDays: 30, hysteresis: 1 },
      { ownImpact: { enabled: false, irm: AAVE, irmBySource: {} } },
    );
    expect(into(await blind.run(input(3, { aTvl: 2e6 }), signal))).to.be.greaterThan(200_000n * UNIT);
  });
});
