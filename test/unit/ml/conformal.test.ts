import { expect } from "chai";
import { seededRandom } from "../../../src/domain/random.ts";
import type { Scored } from "../../../src/ml/skillScores.ts";
import { calibrate, calibrationFrom } from "../../../src/pipeline/predict/conformal.ts";

/** A standard normal from a uniform source (Box-Muller). */
function normal(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * Walk-forward: at each step the band is calibrated on the realised horizons before it (the last
 * `delay` outcomes are not known yet), then scored. Returns the raw and calibrated tail shares.
 */
function walkForward(
  steps: number,
  draw: () => { p10: number; p50: number; p90: number; actual: number },
  o: { window: number; delay: number },
) {
  const past: Scored[] = [];
  let rawBelow = 0;
  let rawAbove = 0;
  let below = 0;
  let above = 0;
  let n = 0;
  for (let i = 0; i < steps; i++) {
    const f = draw();
    const known = past.slice(0, Math.max(0, past.length - o.delay));
    const c = calibrationFrom(known, { tail: 0.1, minScored: 30, window: o.window });
    const cal = calibrate(f, c);
    if (c.scored >= 30) {
      n++;
      if (f.actual < f.p10) rawBelow++;
      if (f.actual > f.p90) rawAbove++;
      if (f.actual < cal.p10) below++;
      if (f.actual > cal.p90) above++;
    }
    past.push(f);
  }
  return { rawBelow: rawBelow / n, rawAbove: rawAbove / n, below: below / n, above: above / n };
}

describe("rolling conformal calibration", () => {
  const level = Math.log1p(5);

  it("narrows a band that is too wide until each tail holds 10 % ± 2 % of outcomes (known quantiles)", () => {
    // log1p(actual) ~ N(log1p(5), 0.2²); the band claims ±2.5σ (tails of 0.6 %).
    const z = normal(seededRandom(1));
    const r = walkForward(
      4000,
      () => ({
        p10: Math.expm1(level - 2.5 * 0.2),
        p50: 5,
        p90: Math.expm1(level + 2.5 * 0.2),
        actual: Math.expm1(level + 0.2 * z()),
      }),
      { window: 90, delay: 7 },
    );
    expect(r.rawBelow + r.rawAbove).to.be.below(0.03);
    expect(r.below).to.be.within(0.08, 0.12);
    expect(r.above).to.be.within(0.08, 0.12);
  });

  it("widens a band that is too narrow, and each skewed tail on its own", () => {
    // Skewed outcomes: a gamma-like right tail; the band is symmetric ±0.5σ (tails of ~31 %).
    const z = normal(seededRandom(2));
    const r = walkForward(
      4000,
      () => {
        const e = z();
        return {
          p10: Math.expm1(level - 0.05),
          p50: 5,
          p90: Math.expm1(level + 0.05),
          actual: Math.expm1(level + 0.1 * e + 0.08 * e * e),
        };
      },
      { window: 120, delay: 7 },
    );
    expect(r.rawAbove).to.be.above(0.3);
    expect(r.below).to.be.within(0.08, 0.12);
    expect(r.above).to.be.within(0.08, 0.12);
  });

  it("leaves the band alone with fewer realised horizons than it needs, and keeps it ordered", () => {
    const f = { p10: 4, p50: 5, p90: 6 };
    expect(calibrate(f, calibrationFrom([{ ...f, actual: 9 }], { tail: 0.1, minScored: 5 }))).to.deep.equal(f);
    // Outcomes far above the whole band: P10 would move above P50 and is held at it.
    const past = Array.from({ length: 20 }, () => ({ ...f, actual: 20 }));
    const cal = calibrate(f, calibrationFrom(past, { tail: 0.1, minScored: 5 }));
    expect(cal.p10).to.equal(5);
    expect(cal.p90).to.be.closeTo(20, 1e-9);
  });
});
