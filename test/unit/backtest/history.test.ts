import { expect } from "chai";
import { keelHistory, newMarket } from "../../../src/backtest/engine.ts";
import { knownView } from "../../../src/backtest/known.ts";
import { DatasetPrices } from "../../../src/backtest/prices.ts";
import { parseConfig } from "../../../src/config/load.ts";
import type { Dataset } from "../../../src/domain/dataset.ts";
import { DAY, T0 } from "../../support/backtest.ts";

const HOUR = 3_600;

// One USDC market of $100 M at 92 % utilisation (past the kink), hourly rows at 9 %, for four days.
function dataset(): Dataset {
  const hours = Array.from({ length: 96 }, (_v, h) => T0 + h * HOUR);
  const days = [-1, 0, 1, 2, 3].map((d) => T0 + d * DAY);
  return {
    pools: [
      { poolId: "usdc", protocol: "aave-v3", kind: "lending", asset: "USDC", chain: "ethereum", feeTierPct: null },
    ],
    rates: new Map([["usdc", hours.map((t) => ({ t, aprPct: 9, tvlUsd: 1e8, utilization: 0.92 }))]]),
    prices: new Map([
      ["USDC", days.map((t) => ({ t, priceUsd: 1 }))],
      ["ETH", days.map((t) => ({ t, priceUsd: 2_000 }))],
    ]),
    gas: days.map((t) => ({ t, gwei: 10 })),
    incidents: [],
    cleaning: {},
  };
}

describe("backtest keel history", () => {
  it("records the market as the vault's snapshots showed it (with its own supply), as the daemon's history does", async () => {
    const data = dataset();
    const { config } = parseConfig({}, "test");
    const prices = new DatasetPrices(knownView(data), data, config.backtest.stablecoins, 3 * DAY);
    const market = newMarket({ start: T0 + DAY, capitalUsd: 20_000_000, config }, data.pools, prices);
    const history = keelHistory(config, market, data.pools);
    const pool = data.pools[0]!;
    const tick = async () => {
      const snapshot = await market.observe();
      history.record(snapshot);
      return snapshot;
    };
    await tick();
    market.apply([{ sourceId: "usdc", direction: "deposit", amount: 20_000_000n * 1_000_000n }], 0n);
    for (let h = 0; h < 3; h++) {
      market.advance(HOUR);
      await tick();
    }
    const seen = (await tick()).sources.find((s) => s.id === "usdc")!;
    const rows = history.window(market.t, 2 * DAY).sources.usdc!;
    // Before the vault was in the market (up to and including the tick that deposited): the dataset's rate.
    expect(rows.filter((r) => r.t <= T0 + DAY).every((r) => r.aprPct === 9)).to.equal(true);
    // Since: what the snapshots showed, $20 M depressing the rate, as live ingest would have recorded it.
    const since = rows.filter((r) => r.t > T0 + DAY);
    expect(since).to.have.length(3);
    for (const r of since) {
      expect(r.aprPct).to.be.closeTo(seen.aprPct, 1e-3);
      expect(r.tvlUsd).to.be.closeTo(seen.tvlUsd, 1e3);
      expect(r.utilization).to.be.closeTo(seen.utilization!, 1e-5);
    }
    expect(seen.aprPct).to.be.lessThan(9 * 0.6);
    expect(market.withOwnSupply(pool, { aprPct: 9, tvlUsd: 1e8, utilization: 0.92 }, 2e7).aprPct).to.be.closeTo(
      seen.aprPct,
      0.01,
    );
  });
});
