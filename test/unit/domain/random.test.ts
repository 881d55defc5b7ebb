import { expect } from "chai";
import { seededRandom } from "../../../src/domain/random.ts";

// The first draws of the mulberry32 copy that src/pipeline/optimize/scenarios.ts carried before it
// used seededRandom (scenarios, the synthetic backtest data and the churn test seed with these).
const PINNED: Record<number, readonly number[]> = {
  0: [0.26642920868471265, 0.0003297457005828619, 0.2232720274478197, 0.1462021479383111, 0.46732782293111086],
  7: [0.011704753153026104, 0.06195825757458806, 0.97690763277933, 0.6990287057124078, 0.5214452685322613],
  15: [0.2378400256857276, 0.40412471746094525, 0.402795132715255, 0.4461680904496461, 0.22275040484964848],
  // 0x6b65656c ("keel"), the scenario generator's default seed
  1801807212: [0.9413568899035454, 0.3080191691406071, 0.7162271849811077, 0.7098823229316622, 0.12436234997585416],
};

describe("seededRandom", () => {
  it("gives, bit for bit, the mulberry32 sequence the scenario generator and backtests were built on", () => {
    for (const [seed, expected] of Object.entries(PINNED)) {
      const random = seededRandom(Number(seed));
      expect(
        Array.from({ length: expected.length }, () => random()),
        `seed ${seed}`,
      ).to.deep.equal(expected);
    }
  });

  it("gives uniforms in [0, 1)", () => {
    const random = seededRandom(123);
    for (let i = 0; i < 10_000; i++) {
      const x = random();
      expect(x).to.be.at.least(0).and.below(1);
    }
  });
});
