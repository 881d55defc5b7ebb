import { expect } from "chai";
import { knownView } from "../../../src/backtest/known.ts";
import { SimMarket } from "../../../src/backtest/market.ts";
import { DatasetPrices } from "../../../src/backtest/prices.ts";
import type { Dataset } from "../../../src/domain/dataset.ts";
import { swapCostFraction } from "../../../src/pipeline/optimize/impact.ts";
import { DAY, lendingPool, T0 } from "../../support/backtest.ts";

const UNIT = 1_000_000n;
const IRM = { optimalUtilization: 0.9, baseRatePct: 0, slope1Pct: 6, slope2Pct: 60 };

// A USDC market, a USDT market (through the swap leg; USDT closes at 0.99 on day 2) and a DAI market whose
// token has no price row at all. Daily closes from the day before, so a close is known at T0.
function dataset(): Dataset {
  const days = [-1, 0, 1, 2, 3];
  const rate = (apr: number, tvlUsd: number) =>
    days.slice(1).map((d) => ({ t: T0 + d * DAY, aprPct: apr, tvlUsd, utilization: 0.9 }));
  return {
    pools: [lendingPool("usdc", "USDC"), lendingPool("usdt", "USDT"), lendingPool("dai", "DAI")],
    rates: new Map([
      ["usdc", rate(3.65, 1e9)],
      ["usdt", rate(36.5, 10e6)],
      ["dai", rate(36.5, 1e9)],
    ]),
    prices: new Map([
      ["USDC", days.map((d) => ({ t: T0 + d * DAY, priceUsd: 1 }))],
      ["USDT", days.map((d) => ({ t: T0 + d * DAY, priceUsd: d >= 2 ? 0.99 : 1 }))],
      ["ETH", days.map((d) => ({ t: T0 + d * DAY, priceUsd: 2_000 }))],
    ]),
    gas: days.map((d) => ({ t: T0 + d * DAY, gwei: 10 })),
    incidents: [],
    cleaning: {},
  };
}

const route = { feeBps: 1, virtualReserveUsd: 1e9 };

function market(ownImpact: boolean): SimMarket {
  const data = dataset();
  const prices = new DatasetPrices(knownView(data), data, ["USDC", "USDT", "DAI"], 3 * DAY);
  const m = new SimMarket(data.pools, prices, {
    chainId: 1,
    baseAsset: "USDC",
    decimals: 6,
    capitalUnits: 10_000_000n * UNIT,
    maxRateAgeSeconds: 3 * DAY,
    slippageBps: { lending: 1, vault: 0, lp: 0 },
    priorityFeeGwei: 1,
    swapRoutes: { USDT: route, DAI: route },
    ...(ownImpact ? { irmOf: () => IRM } : {}),
  });
  m.t = T0;
  return m;
}

describe("backtest swap leg", () => {
  it("charges the kind's slippage plus the route's fee and price impact on the amount swapped", () => {
    const m = market(false);
    const r = m.apply([{ sourceId: "usdt", direction: "deposit", amount: 5_000_000n * UNIT }], 500_000n);
    const swap = 5e6 * swapCostFraction(5e6, route);
    expect(r.swapCostUsd).to.be.closeTo(swap, 0.01);
    expect(r.slippageUsd).to.be.closeTo(swap + 5e6 * 1e-4, 0.01);
    // ≈ 1 bp fee + 50 bp impact on a $1 B virtual reserve.
    expect((swap / 5e6) * 1e4).to.be.closeTo(50.7, 0.2);
    expect(Number(m.balance(m.pools[1]!)) / 1e6).to.be.closeTo(5e6 - swap - 500, 0.01);
  });

  it("values the held token at its oracle price, never at par: a USDT close of 0.99 is a 1 % loss in USDC", () => {
    const m = market(false);
    m.apply([{ sourceId: "usdt", direction: "deposit", amount: 1_000_000n * UNIT }], 0n);
    const before = m.balance(m.pools[1]!);
    // The day-2 close is known at the end of day 2.
    m.t = T0 + 3 * DAY;
    const after = m.balance(m.pools[1]!);
    expect(Number(after) / Number(before)).to.be.closeTo(0.99, 1e-9);
  });

  it("does not offer, or swap into, a token without a price: the adapter's minOut needs the oracle", async () => {
    const m = market(false);
    const snap = await m.observe();
    expect(snap.sources.map((s) => s.id)).to.deep.equal(["usdc", "usdt"]);
    expect(snap.sources.find((s) => s.id === "usdt")?.swap).to.deep.equal(route);
    const r = m.apply([{ sourceId: "dai", direction: "deposit", amount: 1_000n * UNIT }], 100_000n);
    expect(r.moves).to.deep.equal([]);
    expect(m.idle).to.equal(10_000_000n * UNIT);
  });

  it("with own impact, the vault's supply lowers the market's rate in what it earns and what it observes", async () => {
    const amount = 5_000_000n * UNIT;
    const earned = (m: SimMarket) => {
      m.apply([{ sourceId: "usdt", direction: "deposit", amount }], 0n);
      const start = m.balance(m.pools[1]!);
      m.advance(DAY);
      return Number(m.balance(m.pools[1]!) - start);
    };
    const blind = earned(market(false));
    const impacted = market(true);
    const withImpact = earned(impacted);
    // $5 M more in a $10 M market at 90 %: utilisation 60 %, supply rate ×(0.6 × 4) / (0.9 × 6) ≈ 0.44.
    expect(withImpact / blind).to.be.closeTo((0.6 * 4) / (0.9 * 6), 0.01);
    const seen = (await impacted.observe()).sources.find((s) => s.id === "usdt");
    expect(seen?.utilization).to.be.closeTo(0.6, 0.01);
    expect(seen?.aprPct).to.be.closeTo((36.5 * 0.6 * 4) / (0.9 * 6), 0.5);
  });
});
