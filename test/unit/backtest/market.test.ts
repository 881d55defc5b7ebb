import { expect } from "chai";
import { backtestConfigSchema, selectSources } from "../../../src/backtest/config.ts";
import { SimMarket } from "../../../src/backtest/market.ts";
import { maxDrawdownPct, type StrategyMetrics, withCapture } from "../../../src/backtest/metrics.ts";
import { DatasetPrices } from "../../../src/backtest/prices.ts";
import type { Dataset, PoolInfo } from "../../../src/domain/dataset.ts";
import { DAY, T0 } from "../../support/backtest.ts";

const UNIT = 1_000_000n;
const pool = (poolId: string, asset: string, kind: PoolInfo["kind"] = "lending"): PoolInfo => ({
  poolId,
  protocol: "aave-v3",
  kind,
  asset,
  chain: "ethereum",
  feeTierPct: null,
});

function dataset(): Dataset {
  const days = [0, 1, 2, 3];
  return {
    pools: [pool("usdc", "USDC"), pool("usdt", "USDT"), pool("dai", "DAI"), pool("weth", "WETH"), pool("link", "LINK")],
    rates: new Map([
      ["usdc", days.map((d) => ({ t: T0 + d * DAY, aprPct: 36.5, tvlUsd: 1e9, utilization: 0.5 }))],
      ["usdt", days.map((d) => ({ t: T0 + d * DAY, aprPct: 0, tvlUsd: 1e6, utilization: 0.9 }))],
      ["dai", days.map((d) => ({ t: T0 + d * DAY, aprPct: 0, tvlUsd: 1e9, utilization: 0.5 }))],
      ["weth", []],
      ["link", []],
    ]),
    prices: new Map([
      ["USDC", days.map((d) => ({ t: T0 + d * DAY, priceUsd: 1 }))],
      ["USDT", days.map((d) => ({ t: T0 + d * DAY, priceUsd: d >= 2 ? 0.9 : 1 }))],
      ["ETH", days.map((d) => ({ t: T0 + d * DAY, priceUsd: 2_000 }))],
      ["WETH", days.map((d) => ({ t: T0 + d * DAY, priceUsd: 2_000 }))],
    ]),
    gas: days.map((d) => ({ t: T0 + d * DAY, gwei: 10 })),
    incidents: [],
    cleaning: {},
  };
}

function market(data: Dataset, slippage = 0): SimMarket {
  const cfg = backtestConfigSchema.parse({});
  const m = new SimMarket(data, data.pools.slice(0, 3), new DatasetPrices(data, cfg.stablecoins, 3 * DAY), {
    baseAsset: "USDC",
    decimals: 6,
    capitalUnits: 1_000_000n * UNIT,
    maxRateAgeSeconds: 3 * DAY,
    slippageBps: { lending: slippage, vault: slippage, lp: slippage },
    priorityFeeGwei: 1,
  });
  m.t = T0;
  return m;
}

describe("simulated market", () => {
  it("accrues the realised rate between steps", () => {
    const m = market(dataset());
    m.apply([{ sourceId: "usdc", direction: "deposit", amount: 100_000n * UNIT }], 0n);
    m.advance(DAY);
    // 36.5 % a year is 0.1 % a day.
    expect(m.balance(m.pools[0]!)).to.equal(100_100n * UNIT);
  });

  it("charges slippage on each leg and gas in ETH at the dataset's prices", () => {
    const m = market(dataset(), 10);
    const r = m.apply([{ sourceId: "usdc", direction: "deposit", amount: 100_000n * UNIT }], 500_000n);
    expect(r.slippageUsd).to.be.closeTo(100, 1e-9);
    // 500k gas × 10 gwei × $2000 = $10.
    expect(r.gasUsd).to.be.closeTo(10, 1e-9);
    expect(m.netValue()).to.be.closeTo(1_000_000 - 100 - 10, 1e-6);
  });

  it("values a position in another stablecoin at its price, so a depeg moves it", () => {
    const m = market(dataset());
    m.apply([{ sourceId: "usdt", direction: "deposit", amount: 100_000n * UNIT }], 0n);
    m.t = T0 + 2 * DAY;
    expect(m.balance(m.pools[1]!)).to.equal(90_000n * UNIT);
  });

  it("limits withdrawals to the pool's free liquidity", async () => {
    const m = market(dataset());
    m.apply([{ sourceId: "usdt", direction: "deposit", amount: 500_000n * UNIT }], 0n);
    const snap = await m.observe();
    // TVL 1M at 90 % utilisation leaves 100k free.
    expect(snap.sources.find((s) => s.id === "usdt")?.maxWithdraw).to.equal(100_000n * UNIT);
    const r = m.apply([{ sourceId: "usdt", direction: "withdraw", amount: 500_000n * UNIT }], 0n);
    expect(r.moves[0]?.amount).to.equal(100_000n * UNIT);
  });

  it("observes nothing after the current time", async () => {
    const m = market(dataset());
    m.t = T0 + DAY + 3_600;
    const snap = await m.observe();
    expect(snap.timestamp).to.equal(T0 + DAY + 3_600);
    for (const obs of Object.values(snap.prices).flat()) expect(obs.updatedAt).to.be.at.most(snap.timestamp);
    expect(snap.prices.USDT?.[0]?.priceUsd).to.equal(1);
  });
});

describe("backtest source selection", () => {
  it("values an unpriced stablecoin at peg, excludes an unpriced volatile asset, and says so", () => {
    const sel = selectSources(
      dataset(),
      backtestConfigSchema.parse({ sources: ["usdc", "dai", "weth", "link", "nope"] }),
    );
    expect(sel.pools.map((p) => p.poolId)).to.deep.equal(["usdc", "dai", "weth"]);
    expect(sel.valuedAtPeg).to.deep.equal(["dai"]);
    expect(sel.excludedNoPrice).to.deep.equal(["link"]);
    expect(sel.unknown).to.deep.equal(["nope"]);
  });

  it("defaults to the stablecoin lending sources", () => {
    const sel = selectSources(dataset(), backtestConfigSchema.parse({}));
    expect(sel.pools.map((p) => p.poolId)).to.deep.equal(["usdc", "usdt", "dai"]);
  });
});

describe("backtest metrics", () => {
  it("measures the max drawdown from the running peak", () => {
    expect(maxDrawdownPct([100, 110, 99, 105, 120, 114])).to.be.closeTo(10, 1e-9);
    expect(maxDrawdownPct([1, 2, 3])).to.equal(0);
  });

  it("computes capture against equal and oracle", () => {
    const m = (apy: number) => ({ net_apy_pct: apy }) as StrategyMetrics;
    const out = withCapture({ keel: m(5), equal: m(4), oracle: m(6) });
    expect(out.keel?.capture).to.equal(0.5);
    expect(out.equal?.capture).to.equal(0);
    expect(out.oracle?.capture).to.equal(1);
  });
});
