import { expect } from "chai";
import { selectSources } from "../../../src/backtest/config.ts";
import { knownView } from "../../../src/backtest/known.ts";
import { SimMarket } from "../../../src/backtest/market.ts";
import { maxDrawdownPct, type StrategyMetrics, withCapture } from "../../../src/backtest/metrics.ts";
import { DatasetPrices } from "../../../src/backtest/prices.ts";
import { parseConfig } from "../../../src/config/load.ts";
import type { Dataset, PoolInfo } from "../../../src/domain/dataset.ts";
import { ConfigError } from "../../../src/domain/errors.ts";
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
  // Prices and gas from the day before, so that a close is known at T0.
  const days = [-1, 0, 1, 2, 3];
  return {
    pools: [pool("usdc", "USDC"), pool("usdt", "USDT"), pool("dai", "DAI"), pool("weth", "WETH"), pool("link", "LINK")],
    rates: new Map([
      ["usdc", days.slice(1).map((d) => ({ t: T0 + d * DAY, aprPct: 36.5, tvlUsd: 1e9, utilization: 0.5 }))],
      ["usdt", days.slice(1).map((d) => ({ t: T0 + d * DAY, aprPct: 0, tvlUsd: 1e6, utilization: 0.9 }))],
      ["dai", days.slice(1).map((d) => ({ t: T0 + d * DAY, aprPct: 0, tvlUsd: 1e9, utilization: 0.5 }))],
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

const backtest = (section: Record<string, unknown> = {}) => parseConfig({ backtest: section }, "test").config.backtest;

function market(data: Dataset, slippage = 0): SimMarket {
  const prices = new DatasetPrices(knownView(data), data, backtest().stablecoins, 3 * DAY);
  const m = new SimMarket(data.pools.slice(0, 3), prices, {
    chainId: 1,
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

  it("accrues the time-weighted rate: a rate holds from its snapshot until the next one", () => {
    const data = dataset();
    // 36.5 % from 00:00, then 0 % from 23:00: 23 hours at 36.5 %, 1 hour at 0.
    data.rates.set("usdc", [
      { t: T0, aprPct: 36.5, tvlUsd: 1e9, utilization: 0.5 },
      { t: T0 + 23 * 3_600, aprPct: 0, tvlUsd: 1e9, utilization: 0.5 },
      { t: T0 + DAY, aprPct: 0, tvlUsd: 1e9, utilization: 0.5 },
    ]);
    const m = market(data);
    m.apply([{ sourceId: "usdc", direction: "deposit", amount: 100_000n * UNIT }], 0n);
    m.advance(DAY);
    // 100 000 × 0.1 % × 23/24 = 95.8333…, not the mean of the two points in the day (50).
    expect(Number(m.balance(m.pools[0]!)) / 1e6).to.be.closeTo(100_095.8333, 1e-3);
  });

  it("charges slippage on each leg and gas in ETH at the dataset's prices", () => {
    const m = market(dataset(), 10);
    const r = m.apply([{ sourceId: "usdc", direction: "deposit", amount: 100_000n * UNIT }], 500_000n);
    expect(r.slippageUsd).to.be.closeTo(100, 1e-9);
    // 500k gas × 10 gwei × $2000 = $10.
    expect(r.gasUsd).to.be.closeTo(10, 1e-9);
    expect(m.netValue()).to.be.closeTo(1_000_000 - 100 - 10, 1e-6);
  });

  it("values a position in another token at its last known close, so a depeg moves it once the day's close is known", () => {
    const m = market(dataset());
    m.apply([{ sourceId: "usdt", direction: "deposit", amount: 100_000n * UNIT }], 0n);
    // USDT closes at 0.9 on day 2: known when day 2 ends.
    m.t = T0 + 3 * DAY - 3_600;
    expect(m.balance(m.pools[1]!)).to.equal(100_000n * UNIT);
    m.t = T0 + 3 * DAY;
    expect(m.balance(m.pools[1]!)).to.equal(90_000n * UNIT);
  });

  it("charges the gas price of the day the rebalance happens in, but shows the keeper only the last complete day's", async () => {
    const data = dataset();
    const gas = data.gas.map((g) => ({ ...g, gwei: g.t === T0 + DAY ? 100 : 10 }));
    const m = market({ ...data, gas });
    m.t = T0 + DAY + 12 * 3_600;
    // The snapshot's base fee is day 0's average less the 1 gwei priority fee.
    expect((await m.observe()).baseFeesWei).to.deep.equal([9_000_000_000n]);
    const r = m.apply([{ sourceId: "usdc", direction: "deposit", amount: 100_000n * UNIT }], 500_000n);
    // 500k gas × 100 gwei × $2000 = $100.
    expect(r.gasUsd).to.be.closeTo(100, 1e-9);
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
  it("refuses listed pools the vault cannot hold or that do not exist, naming each", () => {
    const err = (() => {
      try {
        selectSources(dataset(), backtest({ sources: ["usdc", "weth", "nope"] }));
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).to.be.instanceOf(ConfigError);
    expect(err?.issues.map((i) => i.path)).to.deep.equal(["backtest.sources.1", "backtest.sources.2"]);
    expect(err?.issues[0]?.message).to.include("not the vault's USDC (no swap route)");
  });

  it("values the base asset at peg when it has no price rows, and leaves out a pair whose other token has none", () => {
    const data = dataset();
    const prices = new Map([...data.prices].filter(([s]) => s !== "USDC"));
    const pools = [pool("usdc", "USDC"), { ...pool("uni2-usdc-link", "USDC/LINK", "lp"), protocol: "uniswap-v2" }];
    const sel = selectSources({ ...data, pools, prices }, backtest());
    expect(sel.pools.map((p) => p.poolId)).to.deep.equal(["usdc"]);
    expect(sel.valuedAtPeg).to.deep.equal(["usdc"]);
    expect(sel.excludedNoPrice).to.deep.equal(["uni2-usdc-link"]);
  });

  it("defaults to the sources the vault's adapters reach: its own asset, on a protocol keel has an adapter for", () => {
    const data = dataset();
    const extra: PoolInfo[] = [
      { ...pool("usdc-v2", "USDC"), protocol: "aave-v2" },
      { ...pool("morpho-usdc", "USDC", "vault"), protocol: "metamorpho" },
      { ...pool("uni2-usdc-weth", "USDC/WETH", "lp"), protocol: "uniswap-v2" },
      { ...pool("uni3-usdc-weth", "USDC/WETH", "lp"), protocol: "uniswap-v3" },
    ];
    const all = { ...data, pools: [...data.pools, ...extra] };
    const sel = selectSources(all, backtest());
    // USDT and DAI are reached through the swap leg (a route each); WETH and LINK have no swap route; Aave v2
    // and Uniswap v3 have no keel adapter.
    expect(sel.pools.map((p) => p.poolId)).to.deep.equal(["usdc", "usdt", "dai", "morpho-usdc", "uni2-usdc-weth"]);
    expect(sel.unreachable).to.deep.equal(["weth", "link", "usdc-v2", "uni3-usdc-weth"]);
    // Without the swap-leg adapter the stablecoin markets are out of reach again.
    const noSwap = selectSources(
      all,
      backtest({ adapters: { lending: ["aave-v3"], vault: ["*"], lp: ["uniswap-v2"], swapLending: [] } }),
    );
    expect(noSwap.pools.map((p) => p.poolId)).to.deep.equal(["usdc", "morpho-usdc", "uni2-usdc-weth"]);
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
