import { expect } from "chai";
import type { Dataset } from "../../../src/domain/dataset.ts";
import { backtestOver, DAY, lendingPool, T0 } from "../../support/backtest.ts";

/** Daily rows of two lending markets, a USDC one and a USDT one (a swap leg from a USDC vault, unless `usdtAsset`). */
function twoMarkets(o: {
  days: number;
  usdtAsset?: string;
  usdc: { aprPct: number; tvlUsd: number; utilization: number };
  usdt: { aprPct: number; tvlUsd: number; utilization: number };
  usdtPrice: (day: number) => number;
}): Dataset {
  const days = Array.from({ length: o.days }, (_v, d) => d);
  const rows = (r: { aprPct: number; tvlUsd: number; utilization: number }) =>
    days.map((d) => ({ t: T0 + d * DAY, ...r }));
  return {
    pools: [lendingPool("usdc", "USDC"), lendingPool("usdt", o.usdtAsset ?? "USDT")],
    rates: new Map([
      ["usdc", rows(o.usdc)],
      ["usdt", rows(o.usdt)],
    ]),
    prices: new Map([
      ["USDC", days.map((d) => ({ t: T0 + d * DAY, priceUsd: 1 }))],
      ["USDT", days.map((d) => ({ t: T0 + d * DAY, priceUsd: o.usdtPrice(d) }))],
      ["ETH", days.map((d) => ({ t: T0 + d * DAY, priceUsd: 2_000 }))],
    ]),
    gas: days.map((d) => ({ t: T0 + d * DAY, gwei: 10 })),
    incidents: [],
    cleaning: {},
  };
}

const netApy = (r: Awaited<ReturnType<typeof backtestOver>>, name: string) => r.metrics[name]!.net_apy_pct;

describe("backtest oracle: an upper bound under the replay's own valuation and impact", function () {
  this.timeout(60_000);

  it("counts what a swap leg's token loses against the base asset: USDT at a higher rate but sliding in price", async () => {
    // USDT pays 2 points more, but its close falls 1 % over the 50 days (≈ −7 %/yr in USDC): the vault's USDT is
    // worth less each day, so the bound holds as little USDT as the caps allow — never more than equal does.
    const data = twoMarkets({
      days: 100,
      usdc: { aprPct: 4, tvlUsd: 5e9, utilization: 0.8 },
      usdt: { aprPct: 6, tvlUsd: 5e9, utilization: 0.8 },
      usdtPrice: (d) => (d < 40 ? 1 : 1 - (0.01 * (d - 40)) / 50),
    });
    const r = await backtestOver(data, {
      fromDay: 40,
      toDay: 90,
      capitalUsd: 1_000_000,
      strategies: ["equal", "oracle"],
    });
    expect(netApy(r, "oracle")).to.be.at.least(netApy(r, "equal"));
    const oracle = r.runs.find((x) => x.name === "oracle")!;
    const usdt = Math.max(...oracle.allocations.slice(1).map((a) => a.weights.usdt ?? 0));
    expect(usdt).to.be.at.most(0.4);
  });

  it("spreads when its own supply depresses a concentrated market's rate more than the spread pays", async () => {
    // Two USDC markets of $100 M at 92 % utilisation (past the kink): $30 M in one takes its utilisation to 71 % and
    // its rate down by four fifths, so a $50 M vault earns more split than filling the better market to the cap.
    const data = twoMarkets({
      days: 100,
      usdtAsset: "USDC",
      usdc: { aprPct: 9, tvlUsd: 1e8, utilization: 0.92 },
      usdt: { aprPct: 8, tvlUsd: 1e8, utilization: 0.92 },
      usdtPrice: () => 1,
    });
    const r = await backtestOver(data, {
      fromDay: 40,
      toDay: 90,
      capitalUsd: 50_000_000,
      strategies: ["equal", "greedy", "oracle"],
    });
    expect(netApy(r, "equal")).to.be.greaterThan(netApy(r, "greedy"));
    expect(netApy(r, "oracle")).to.be.at.least(netApy(r, "equal"));
    expect(netApy(r, "oracle")).to.be.at.least(netApy(r, "greedy"));
  });
});
