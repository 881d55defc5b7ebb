import { expect } from "chai";
import { backtestOver, rebalanceDays, scriptedDataset } from "../../support/backtest.ts";

// Two USDC sources; from day 40 source b pays 0.3 points more than a. No slippage, so gas decides:
// swapping 22 % of the capital earns ≈ capital × 1.27e-5 over a 7-day holding period; gas is ≈ $24.
const rates = { a: () => 5, b: (d: number) => (d >= 40 ? 5.3 : 5) };
const config = {
  strategy: {
    slippageBps: { lending: 0 },
    switching: { holdingDays: 7, hysteresis: 3, minHoldHours: 0, confirmHours: 0 },
    // (Gas alone decides here: $4.4 M moved into a $500 M market would also narrow the spread.)
    ownImpact: { enabled: false },
  },
  backtest: { ownImpact: false },
};

describe("backtest cost model", () => {
  it("skips a rebalance whose pessimistic gain is below k × gas, and makes it when the size pays", async () => {
    const data = scriptedDataset({ days: 70, rates });
    // $4M: the move earns ≈ $51, above gas but below 3 × gas. $20M: ≈ $253.
    const small = await backtestOver(data, { fromDay: 30, toDay: 60, capitalUsd: 4_000_000, config });
    const large = await backtestOver(data, { fromDay: 30, toDay: 60, capitalUsd: 20_000_000, config });
    // Both invest the idle capital on the first day.
    expect(rebalanceDays(small)[0]).to.equal(30);
    expect(rebalanceDays(small).filter((d) => d >= 40)).to.deep.equal([]);
    expect((small.keel?.halts.STAY ?? 0) + (small.keel?.halts.GAIN_BELOW_COST ?? 0)).to.be.greaterThan(0);
    expect(rebalanceDays(large).filter((d) => d >= 40)).to.have.length.greaterThan(0);
  });

  it("defers moves while the last known day's gas price spiked, to the next normal day", async () => {
    const calm = scriptedDataset({ days: 70, rates });
    const calmRun = await backtestOver(calm, { fromDay: 30, toDay: 60, capitalUsd: 20_000_000, config });
    const moveDay = rebalanceDays(calmRun).find((d) => d >= 40);
    expect(moveDay).to.be.a("number");
    // The day before's average is what the keeper knows on the move day.
    const spike = scriptedDataset({ days: 70, rates, gasGwei: (d) => (d === (moveDay as number) - 1 ? 3_000 : 25) });
    const spikeRun = await backtestOver(spike, { fromDay: 30, toDay: 60, capitalUsd: 20_000_000, config });
    const later = rebalanceDays(spikeRun).filter((d) => d >= 40);
    expect(later).to.not.include(moveDay);
    expect(later[0]).to.be.greaterThan(moveDay as number);
    const spikeTick = spikeRun.runs[0]?.decisions.find((r) => r.id === `keel-${(moveDay as number) - 30}`);
    // The optimizer prices the spike into its own gas estimate (STAY) or the gas check refuses it.
    expect(spikeTick?.outcome).to.equal("halted");
    expect(spikeTick?.haltReasons.map((r) => r.code)).to.satisfy((codes: string[]) =>
      codes.some((c) => ["STAY", "FEE_CAP", "GAIN_BELOW_COST"].includes(c)),
    );
  });

  it("charges the same gas and slippage to every strategy", async () => {
    const data = scriptedDataset({ days: 70, rates });
    const r = await backtestOver(data, { fromDay: 30, toDay: 60, strategies: ["keel", "equal", "greedy", "oracle"] });
    for (const run of r.runs) {
      for (const rb of run.rebalances) {
        expect(rb.gasUsd).to.be.greaterThan(0);
        expect(rb.slippageUsd).to.be.greaterThan(0);
      }
    }
    expect(r.runs.every((run) => run.rebalances.length > 0)).to.equal(true);
  });
});
