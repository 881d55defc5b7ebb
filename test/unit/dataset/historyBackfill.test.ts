// Market history from a keel dataset: rows enter at the end of their period (when they became known),
// only for the mapped sources and symbols, only inside the range.
import { expect } from "chai";
import { historyEntriesFromDataset } from "../../../src/adapters/dataset/historyBackfill.ts";
import type { Dataset, RatePoint } from "../../../src/domain/dataset.ts";

const H = 3_600;
const D = 86_400;
const T0 = Date.UTC(2024, 0, 1) / 1000;

const rates = (step: number, n: number): RatePoint[] =>
  Array.from({ length: n }, (_v, i) => ({ t: T0 + i * step, aprPct: i, tvlUsd: 1e6, utilization: null }));

const data: Dataset = {
  pools: [],
  rates: new Map([
    ["aave-v3-usdc", rates(H, 48)],
    ["uniswap-v3-weth-usdt-5", rates(D, 10)],
  ]),
  prices: new Map([["ETH", Array.from({ length: 5 }, (_v, i) => ({ t: T0 + i * D, priceUsd: 2_000 + i }))]]),
  gas: [],
  incidents: [],
  cleaning: {},
};

describe("history from a dataset", () => {
  const { entries, unknown, perSource } = historyEntriesFromDataset(data, {
    sources: { "0xAave": "aave-v3-usdc", "0xPool": "uniswap-v3-weth-usdt-5", "0xGone": "no-such-pool" },
    prices: { kWETH: "eth", kBTC: "BTC" },
    from: T0,
    to: T0 + 3 * D,
  });
  const of = (key: string) => entries.filter((e) => e.key === key).map((e) => e.point);

  it("stamps each row when it became known: hourly rows an hour later, daily rows a day later", () => {
    const aave = of("0xAave");
    expect(aave[0]).to.deep.equal({ t: T0 + H, aprPct: 0, tvlUsd: 1e6, utilization: null });
    expect(aave).to.have.length(48);
    const pool = of("0xPool");
    expect(pool.map((p) => p.t)).to.deep.equal([T0 + D, T0 + 2 * D, T0 + 3 * D]);
    expect(of("kWETH").map((p) => p.t)).to.deep.equal([T0 + D, T0 + 2 * D, T0 + 3 * D]);
    expect(perSource).to.deep.equal({ "0xAave": 48, "0xPool": 3 });
  });

  it("names the pools and symbols the dataset lacks instead of dropping them silently", () => {
    expect(unknown).to.deep.equal(["pool no-such-pool", "symbol BTC"]);
  });
});
