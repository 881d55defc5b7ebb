import { expect } from "chai";
import { ilOutlook, ilV2, ilV3 } from "../../../src/pipeline/riskGate/il.ts";

describe("impermanent loss", () => {
  it("matches hand-computed Uniswap v2 values", () => {
    expect(ilV2(1)).to.equal(0);
    expect(ilV2(4)).to.be.closeTo(-0.2, 1e-12); // 2·2/5 − 1
    expect(ilV2(0.25)).to.be.closeTo(-0.2, 1e-12); // symmetric in r ↔ 1/r
    expect(ilV2(2)).to.be.closeTo((2 * Math.SQRT2) / 3 - 1, 1e-12); // −5.72 %
  });

  it("matches a hand-computed Uniswap v3 range [0.25, 4] opened at 1", () => {
    // L = 1: x0 = 1 − 1/2 = 0.5, y0 = 1 − 0.5 = 0.5; at p = 4: hold 0.5·4 + 0.5 = 2.5, LP = 2·2 − 0.5 − 4/2 = 1.5.
    expect(ilV3(1, 4, { lower: 0.25, upper: 4 })).to.be.closeTo(-0.4, 1e-12);
    // Above the range the LP is all token1 (√pb − √pa = 1.5) and stops following: at p = 9 hold = 5.
    expect(ilV3(1, 9, { lower: 0.25, upper: 4 })).to.be.closeTo(1.5 / 5 - 1, 1e-12);
  });

  it("reduces to the v2 formula over the full range and amplifies IL in a narrow range", () => {
    for (const r of [0.3, 0.8, 1.2, 3]) {
      expect(ilV3(1, r, { lower: 0, upper: Infinity })).to.be.closeTo(ilV2(r), 1e-12);
      expect(ilV3(1, r, { lower: 0.5, upper: 2 })).to.be.below(ilV2(r));
    }
  });

  it("gives the expected IL under lognormal prices ≈ −σ²T/8 for small moves, and a deeper tail", () => {
    const out = ilOutlook(10, 7, 0.95);
    const s2t = 0.1 ** 2 * (7 / 365);
    expect(out.expected).to.be.closeTo(-s2t / 8, (s2t / 8) * 0.02);
    expect(out.tail).to.be.below(out.expected);
    expect(out.expectedAprPct).to.be.closeTo((s2t / 8 / (7 / 365)) * 100, 0.01);
  });

  it("makes a concentrated range costlier in expectation than full range", () => {
    const full = ilOutlook(60, 7, 0.95);
    const narrow = ilOutlook(60, 7, 0.95, { lower: 1 / 1.1, upper: 1.1 });
    expect(narrow.expectedAprPct).to.be.greaterThan(full.expectedAprPct);
    expect(narrow.tail).to.be.below(full.tail);
  });
});
