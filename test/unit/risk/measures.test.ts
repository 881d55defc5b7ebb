import { expect } from "chai";
import { normalQuantile } from "../../../src/domain/normal.ts";
import {
  drawdown,
  historicalEvar,
  historicalTail,
  meanStd,
  normalEvar,
  normalTail,
} from "../../../src/pipeline/riskGate/measures.ts";

/** n equally likely losses at the normal quantiles: a discrete stand-in for N(mu, sigma²). */
function normalSample(mu: number, sigma: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => mu + sigma * normalQuantile((i + 0.5) / n));
}

describe("risk measures", () => {
  it("inverts the standard normal CDF at textbook points", () => {
    expect(normalQuantile(0.5)).to.be.closeTo(0, 1e-12);
    expect(normalQuantile(0.95)).to.be.closeTo(1.6448536269514722, 1e-8);
    expect(normalQuantile(0.99)).to.be.closeTo(2.3263478740408408, 1e-8);
    expect(normalQuantile(0.01)).to.be.closeTo(-2.3263478740408408, 1e-8);
    expect(normalQuantile(1e-6)).to.be.closeTo(-4.753424308822899, 1e-7);
  });

  it("gives the closed-form VaR and CVaR of a normal loss (μ + σz, μ + σφ(z)/(1−α))", () => {
    const t = normalTail(1, 2, 0.95);
    expect(t.var).to.be.closeTo(1 + 2 * 1.6448536269514722, 1e-7);
    expect(t.cvar).to.be.closeTo(1 + 2 * 2.0627128075074275, 1e-7);
  });

  it("computes VaR and Rockafellar-Uryasev CVaR of a known discrete distribution", () => {
    // P(0)=0.5, P(10)=0.3, P(50)=0.15, P(100)=0.05 at α = 0.9: VaR 50, CVaR = 50 + 0.05·50/0.1 = 75.
    const t = historicalTail([10, 0, 100, 50], 0.9, [0.3, 0.5, 0.05, 0.15]);
    expect(t.var).to.equal(50);
    expect(t.cvar).to.be.closeTo(75, 1e-9);
  });

  it("treats unweighted scenarios as equally likely", () => {
    const losses = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    const t = historicalTail(losses, 0.95);
    expect(t.var).to.equal(95);
    expect(t.cvar).to.be.closeTo(98, 1e-9); // mean of 96..100 = 98
  });

  it("matches the normal closed forms on a large normal sample (historical simulation)", () => {
    const sample = normalSample(0.5, 3, 200_000);
    const h = historicalTail(sample, 0.95);
    const p = normalTail(0.5, 3, 0.95);
    expect(h.var).to.be.closeTo(p.var, 1e-3);
    expect(h.cvar).to.be.closeTo(p.cvar, 2e-3);
    const ms = meanStd(sample);
    expect(ms.mean).to.be.closeTo(0.5, 1e-9);
    expect(ms.std).to.be.closeTo(3, 1e-3);
  });

  it("computes EVaR: the normal closed form μ + σ√(−2 ln(1−α)), and ≥ CVaR on samples", () => {
    expect(normalEvar(0, 1, 0.95)).to.be.closeTo(2.4477468306808166, 1e-12);
    const sample = normalSample(0, 1, 50_000);
    const e = historicalEvar(sample, 0.95);
    expect(e).to.be.closeTo(2.4477, 0.01);
    expect(e).to.be.at.least(historicalTail(sample, 0.95).cvar);
  });

  it("bounds EVaR of a discrete distribution between CVaR and the worst loss", () => {
    const losses = [0, 10, 50, 100];
    const probs = [0.5, 0.3, 0.15, 0.05];
    const e = historicalEvar(losses, 0.9, probs);
    expect(e).to.be.at.least(75 - 1e-9);
    expect(e).to.be.at.most(100);
    // Brute force over t on a log grid agrees with the golden-section search.
    let best = Infinity;
    for (let u = -10; u <= 10; u += 0.001) {
      const t = Math.exp(u);
      const m = losses.reduce((a, l, i) => a + probs[i]! * Math.exp((l - 100) / t), 0);
      best = Math.min(best, 100 + t * (Math.log(m) + Math.log(1 / 0.1)));
    }
    expect(e).to.be.closeTo(Math.min(best, 100), 1e-3);
  });

  it("measures the current and the worst drawdown of a share-price series", () => {
    const d = drawdown([1, 1.1, 0.99, 1.05, 1.2, 1.14]);
    expect(d.max).to.be.closeTo(0.1, 1e-12);
    expect(d.current).to.be.closeTo(0.05, 1e-12);
    expect(drawdown([])).to.deep.equal({ current: 0, max: 0 });
  });
});
