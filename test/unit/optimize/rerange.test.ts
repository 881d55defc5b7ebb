import { expect } from "chai";
import type { LpRange } from "../../../src/domain/snapshot.ts";
import { decideRerange, inRangeShare, normalCdf, type RerangeInput } from "../../../src/pipeline/optimize/rerange.ts";
import { lpRanges } from "../../../src/pipeline/riskGate/liquidity.ts";
import { V3_LIMITS } from "../../support/optimizeFixtures.ts";
import { lending, riskInput, riskOptions, snap } from "../../support/riskFixtures.ts";

// kUSDC (6) = token0, kWETH (18) = token1: price (token1 per token0, whole tokens) = 1 / ETH price.
const SCALE = 10 ** (6 - 18);
const tickOf = (price: number) => Math.log(price / SCALE) / Math.log(1.0001);
const priceOf = (tick: number) => SCALE * 1.0001 ** tick;

function rangeAround(ethUsd: number, width = 2_400): LpRange {
  const centre = Math.round(tickOf(1 / ethUsd) / 60) * 60;
  const [tickLower, tickUpper] = [centre - width / 2, centre + width / 2];
  return {
    tickLower,
    tickUpper,
    tick: centre,
    inRange: true,
    priceLower: priceOf(tickLower),
    priceUpper: priceOf(tickUpper),
    inRangeAprPct: 20,
  };
}

function input(over: Partial<RerangeInput> = {}): RerangeInput {
  return {
    range: rangeAround(3_000),
    oraclePrice: 1 / 3_000,
    positionUsd: 100_000,
    inRangeAprPct: 20,
    priceVolPct: 60,
    horizonDays: 7,
    gasUsd: 5,
    swapCostBps: 40,
    hysteresis: 1.5,
    limits: V3_LIMITS,
    now: 1_700_000_000,
    ...over,
  };
}

describe("Uniswap v3 re-range decision", () => {
  it("computes the normal CDF and the expected share of time in range", () => {
    expect(normalCdf(0)).to.be.closeTo(0.5, 1e-7);
    expect(normalCdf(1.959964)).to.be.closeTo(0.975, 1e-6);
    expect(normalCdf(-1.959964)).to.be.closeTo(0.025, 1e-6);
    expect(inRangeShare(0.9, 1.1, 0, 7)).to.equal(1);
    expect(inRangeShare(1.1, 1.3, 0, 7)).to.equal(0);
    // A wider range stays in range longer; more volatility leaves it sooner.
    expect(inRangeShare(0.8, 1.25, 60, 7)).to.be.gt(inRangeShare(0.95, 1.05, 60, 7));
    expect(inRangeShare(0.95, 1.05, 80, 7)).to.be.lt(inRangeShare(0.95, 1.05, 40, 7));
  });

  it("keeps a centred range", () => {
    const d = decideRerange(input());
    expect(d.act).to.equal(false);
    expect(d.reason).to.match(/already centred/);
  });

  it("re-ranges an out-of-range position when the extra fees pay for gas and swap cost, centred and within the limits", () => {
    // ETH +20 %: the price left the ±12 % range; 60 % in-range APR at 30 % volatility.
    const d = decideRerange(input({ oraclePrice: 1 / 3_600, inRangeAprPct: 60, priceVolPct: 30 }));
    expect(d.act, d.reason).to.equal(true);
    expect(d.gainUsd).to.be.gt(1.5 * d.costUsd);
    expect(d.tickUpper - d.tickLower).to.equal(2_400);
    expect(d.tickLower % 60).to.equal(0);
    const centre = priceOf((d.tickLower + d.tickUpper) / 2);
    expect(Math.abs(centre * 3_600 - 1)).to.be.lt(0.01); // within the adapter's 1 % centre offset
  });

  it("does not re-range when the centred range's expected impermanent loss eats the extra fees (20 % APR, 60 % volatility)", () => {
    const d = decideRerange(input({ oraclePrice: 1 / 3_600 }));
    expect(d.act).to.equal(false);
    expect(d.reason).to.match(/extra IL \$[0-9]/);
    const calm = decideRerange(input({ oraclePrice: 1 / 3_600, priceVolPct: 20 }));
    expect(calm.gainUsd).to.be.gt(d.gainUsd);
  });

  it("does not re-range when the costs exceed the extra fees (small position, costly gas)", () => {
    const d = decideRerange(input({ oraclePrice: 1 / 3_600, positionUsd: 2_000, gasUsd: 50 }));
    expect(d.act).to.equal(false);
    expect(d.reason).to.match(/< 1.5 × cost/);
  });

  it("waits the adapter's re-range interval", () => {
    const now = 1_700_000_000;
    const d = decideRerange(
      input({ oraclePrice: 1 / 3_600, now, limits: { ...input().limits, lastRerangeAt: now - 60 } }),
    );
    expect(d.act).to.equal(false);
    expect(d.reason).to.match(/interval/);
  });

  it("clamps the width to the adapter's limits", () => {
    const d = decideRerange(input({ range: rangeAround(3_000, 300), oraclePrice: 1 / 3_600 }));
    expect(d.tickUpper - d.tickLower).to.be.gte(600);
  });
});

describe("risk gate LP ranges", () => {
  it("uses a v3 position's own range relative to the spot price, and the configured width otherwise", () => {
    const range = rangeAround(3_000);
    const spot = 1 / 3_000;
    const v3 = lending("v3", 100, {
      kind: "lp",
      protocol: "uniswap-v3",
      asset: "USDC/WETH",
      range,
      reserves: { reserve0: 1, reserve1: spot, spotPrice: spot },
    });
    const v2 = lending("v2", 100, { kind: "lp", protocol: "uniswap-v2", asset: "USDC/WETH" });
    const out = lpRanges(riskInput(snap([v3, v2], 100)), riskOptions({ defaultLpRangeWidthPct: 20 }));
    expect(out.v3!.lower).to.be.closeTo(range.priceLower / spot, 1e-12);
    expect(out.v3!.upper).to.be.closeTo(range.priceUpper / spot, 1e-12);
    expect(out.v3!.lower).to.be.lt(1);
    expect(out.v3!.upper).to.be.gt(1);
    expect(out.v2).to.deep.equal({ lower: 1 / 1.2, upper: 1.2 });
  });
});
