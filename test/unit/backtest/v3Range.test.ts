import { expect } from "chai";
import { replayV3Range, V3_RANGE_DEFAULTS } from "../../../src/backtest/v3Range.ts";
import type { Dataset, PricePoint, RatePoint } from "../../../src/domain/dataset.ts";

const DAY = 86_400;
const T0 = 1_719_792_000; // 2024-07-01

/** A WETH/USDT v3 pool at `aprPct` pool-wide APR, ETH at `eth(day)`, 1 gwei gas. */
function dataset(eth: (day: number) => number, days = 60, aprPct = 20): Dataset {
  const series = (f: (d: number) => number): PricePoint[] =>
    Array.from({ length: days + 40 }, (_, i) => ({ t: T0 + (i - 35) * DAY, priceUsd: f(i - 35) }));
  const rates: RatePoint[] = Array.from({ length: days + 10 }, (_, i) => ({
    t: T0 + (i - 5) * DAY,
    aprPct,
    tvlUsd: 1e8,
    utilization: null,
  }));
  return {
    pools: [
      {
        poolId: "v3",
        protocol: "uniswap-v3",
        kind: "lp",
        asset: "WETH/USDT",
        chain: "ethereum",
        feeTierPct: 0.3,
      },
    ],
    rates: new Map([["v3", rates]]),
    prices: new Map([
      ["WETH", series(eth)],
      ["ETH", series(eth)],
      ["USDT", series(() => 1)],
    ]),
    gas: Array.from({ length: days + 10 }, (_, i) => ({ t: T0 + (i - 5) * DAY, gwei: 1 })),
    incidents: [],
    cleaning: {},
  };
}

const opts = { ...V3_RANGE_DEFAULTS, from: T0, to: T0 + 60 * DAY };

describe("Uniswap v3 range replay", () => {
  it("earns the pool-wide APR times the range's concentration over the reference while in range, nothing else moving", () => {
    const r = replayV3Range(
      dataset(() => 3_000),
      "v3",
      "static",
      opts,
    )!;
    expect(r.inRangeDaysPct).to.equal(100);
    expect(r.valueChangePct).to.be.closeTo(0, 1e-9);
    const conc = (w: number) => 1 / (1 - Math.sqrt(1 / (1 + w) / (1 + w)));
    const range = 1.0001 ** 1_200;
    const expected = 20 * (conc(range - 1) / conc(0.5)) * (r.days / 365);
    expect(r.feesPct).to.be.closeTo(expected, expected * 0.01);
    expect(r.reranges).to.equal(0);
  });

  it("earns nothing out of range: after a +30 % step the static range stops, the keel policy re-centres and earns", () => {
    const eth = (d: number) => (d < 10 ? 3_000 : 3_900);
    // 100 % pool-wide APR: enough to pay for the IL the jump's realised volatility (≈ 90 %) predicts for a centred range.
    const stat = replayV3Range(dataset(eth, 60, 100), "v3", "static", opts)!;
    const keel = replayV3Range(dataset(eth, 60, 100), "v3", "keel", opts)!;
    expect(stat.inRangeDaysPct).to.be.lt(20);
    expect(keel.reranges).to.be.gte(1);
    expect(keel.inRangeDaysPct).to.be.gt(95);
    expect(keel.feesPct).to.be.gt(3 * stat.feesPct);
    expect(keel.costsPct).to.be.gt(0);
  });

  it("decides on what is known: the day of a jump is out of range for every policy (the close that moved is not known yet)", () => {
    const eth = (d: number) => (d < 10 ? 3_000 : 3_900);
    const keel = replayV3Range(dataset(eth, 60, 100), "v3", "keel", opts)!;
    // Exactly one day out of range: the jump's own day (a replay peeking at that close would have none).
    expect(keel.inRangeDaysPct).to.be.closeTo(((keel.days - 1) / keel.days) * 100, 1e-9);
  });

  it("skips a pool whose token prices stopped", () => {
    const d = dataset(() => 3_000, 60);
    d.prices.set("WETH", d.prices.get("WETH")!.slice(0, 5));
    expect(replayV3Range(d, "v3", "static", opts)).to.equal(undefined);
  });
});
