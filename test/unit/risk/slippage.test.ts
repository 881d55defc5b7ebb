import { expect } from "chai";
import {
  amountOutFloat,
  getAmountOut,
  lendingExitableShare,
  lpExitCost,
  maxLpPositionForCost,
  maxSwapForCost,
  swapCost,
} from "../../../src/pipeline/riskGate/slippage.ts";

describe("slippage and exit cost", () => {
  it("computes getAmountOut like UniswapV2Library (997/1000)", () => {
    const out = getAmountOut(10n ** 18n, 100n * 10n ** 18n, 200_000n * 10n ** 6n);
    const expected = (10n ** 18n * 997n * 200_000n * 10n ** 6n) / (100n * 10n ** 18n * 1000n + 10n ** 18n * 997n);
    expect(out).to.equal(expected);
    expect(amountOutFloat(1, 100, 200_000, 30)).to.be.closeTo(Number(out) / 1e6, 1e-6);
  });

  it("prices a swap's cost as fee plus impact, and inverts it exactly", () => {
    expect(swapCost(0, 1_000, 30)).to.equal(0);
    expect(swapCost(1e-9, 1_000, 30)).to.be.closeTo(0.003, 1e-9); // tiny trade: just the fee
    expect(swapCost(10, 1_000, 30)).to.be.closeTo(1 - (0.997 * 1_000) / (1_000 + 9.97), 1e-12);
    const x = maxSwapForCost(1_000, 30, 0.01);
    expect(swapCost(x, 1_000, 30)).to.be.closeTo(0.01, 1e-12);
    expect(maxSwapForCost(1_000, 30, 0.002)).to.equal(0); // fee alone exceeds the bound
  });

  it("bounds an LP position by its exit cost", () => {
    const max = maxLpPositionForCost(10_000_000, 30, 0.005);
    expect(lpExitCost(max, 10_000_000, 5_000_000, 30)).to.be.at.least(0.005 - 1e-9);
    expect(lpExitCost(max * 0.5, 10_000_000, 5_000_000, 30)).to.be.below(0.005);
  });

  it("measures the exitable share of a lending position from available liquidity", () => {
    expect(lendingExitableShare(100, 1_000)).to.equal(1);
    expect(lendingExitableShare(1_000, 250)).to.equal(0.25);
    expect(lendingExitableShare(0, 0)).to.equal(1);
  });
});
