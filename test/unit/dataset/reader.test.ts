import { expect } from "chai";
import { readDataset } from "../../../src/adapters/dataset/reader.ts";
import { asOf } from "../../../src/domain/dataset.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import { poolsCsv, pricesCsv, ratesCsv, writeDataset } from "./fixture.ts";

const T0 = Date.UTC(2024, 0, 1) / 1000;

async function expectBadRow(files: Record<string, string>, match: RegExp): Promise<KeelError> {
  const ds = writeDataset(files);
  try {
    await readDataset(ds.dir);
  } catch (err) {
    expect(err).to.be.instanceOf(KeelError);
    expect((err as KeelError).code).to.equal("DATASET_BAD_ROW");
    expect((err as KeelError).message).to.match(match);
    return err as KeelError;
  } finally {
    ds.cleanup();
  }
  throw new Error("expected DATASET_BAD_ROW");
}

describe("readDataset", () => {
  it("reads hourly and daily series side by side, each sorted by time", async () => {
    const ds = writeDataset({ "pools.csv": poolsCsv, "rates.csv": ratesCsv(), "prices.csv": pricesCsv });
    try {
      const data = await readDataset(ds.dir);
      const lend = data.rates.get("lend-usdc")!;
      const lp = data.rates.get("lp-weth-usdt")!;
      expect(lend).to.have.length(72);
      expect(lp.map((p) => p.t)).to.deep.equal([T0, T0 + 86_400, T0 + 2 * 86_400]);
      expect(lp[0]!.utilization).to.equal(null);
      expect(lend[0]!.utilization).to.equal(0.8);
      expect(data.pools[1]!.feeTierPct).to.equal(0.3);
      expect(data.cleaning["pools.fee_tier_bps"]).to.equal(1);
    } finally {
      ds.cleanup();
    }
  });

  it("aligns series of different sampling as of one time", async () => {
    const ds = writeDataset({ "pools.csv": poolsCsv, "rates.csv": ratesCsv(), "prices.csv": pricesCsv });
    try {
      const data = await readDataset(ds.dir);
      const at = T0 + 86_400 + 5 * 3600 + 1800; // 2024-01-02 05:30
      expect(asOf(data.rates.get("lend-usdc")!, at, 3600)!.t).to.equal(T0 + 29 * 3600);
      expect(asOf(data.rates.get("lp-weth-usdt")!, at, 86_400)!.t).to.equal(T0 + 86_400);
    } finally {
      ds.cleanup();
    }
  });

  it("gives WETH the ETH series when WETH has no prices of its own", async () => {
    const ds = writeDataset({ "pools.csv": poolsCsv, "rates.csv": ratesCsv(), "prices.csv": pricesCsv });
    try {
      const data = await readDataset(ds.dir);
      expect(data.prices.get("WETH")!.map((p) => p.priceUsd)).to.deep.equal([2300, 2350]);
      expect(data.prices.has("WBTC")).to.equal(false);
      expect(data.cleaning["prices.wrapped_alias"]).to.equal(2);
    } finally {
      ds.cleanup();
    }
  });

  it("drops and counts warm-up rows, forward-filled copies and duplicate timestamps", async () => {
    const rates = [
      "timestamp,pool_id,apr_pct,tvl_usd,utilization",
      "2024-01-01T00:00:00Z,lend-usdc,0,1.5,0",
      "2024-01-01T01:00:00Z,lend-usdc,0.1,900,0.1",
      "2024-01-01T02:00:00Z,lend-usdc,3,2000000,0.8",
      "2024-01-01T03:00:00Z,lend-usdc,3,2000000,0.8",
      "2024-01-01T04:00:00Z,lend-usdc,3,2000000,0.8",
      "2024-01-01T05:00:00Z,lend-usdc,3.1,2000001,0.8",
      "2024-01-01T05:00:00Z,lend-usdc,3.2,2000002,0.8",
    ].join("\n");
    const ds = writeDataset({ "pools.csv": poolsCsv, "rates.csv": rates, "prices.csv": pricesCsv });
    try {
      const data = await readDataset(ds.dir);
      expect(data.rates.get("lend-usdc")!.map((p) => p.aprPct)).to.deep.equal([3, 3.2]);
      expect(data.cleaning).to.include({
        "rates.warmup": 2,
        "rates.forward_filled": 2,
        "rates.duplicate_timestamp": 1,
      });
    } finally {
      ds.cleanup();
    }
  });

  it("repairs incidents whose chain list swallowed the loss, and counts it", async () => {
    const incidents = [
      "timestamp,protocol,chain,loss_usd,technique",
      '2021-07-10T00:00:00Z,Multichain,"Ethereum,7900000,BSC',
      "2021-07-11T00:00:00Z,Other,Ethereum,100,Flashloan",
    ].join("\n");
    const files = {
      "pools.csv": poolsCsv,
      "rates.csv": ratesCsv(),
      "prices.csv": pricesCsv,
      "incidents.csv": incidents,
    };
    const ds = writeDataset(files);
    try {
      const data = await readDataset(ds.dir);
      expect(data.incidents[0]).to.deep.include({ protocol: "Multichain", chain: "Ethereum", lossUsd: 7_900_000 });
      expect(data.incidents[1]).to.deep.include({ technique: "Flashloan", lossUsd: 100 });
      expect(data.cleaning["incidents.multichain_repaired"]).to.equal(1);
    } finally {
      ds.cleanup();
    }
  });

  it("reports progress per file", async () => {
    const ds = writeDataset({ "pools.csv": poolsCsv, "rates.csv": ratesCsv(), "prices.csv": pricesCsv });
    const seen: [string, number][] = [];
    try {
      await readDataset(ds.dir, { onProgress: (file, rows) => seen.push([file, rows]) });
      expect(seen).to.deep.include(["rates.csv", 75]);
      expect(seen).to.deep.include(["prices.csv", 3]);
    } finally {
      ds.cleanup();
    }
  });

  describe("bad rows", () => {
    const base = { "pools.csv": poolsCsv, "prices.csv": pricesCsv };
    const header = "timestamp,pool_id,apr_pct,tvl_usd,utilization";

    it("names file, line and column for a value that is not a number", async () => {
      const err = await expectBadRow(
        {
          ...base,
          "rates.csv": `${header}\n2024-01-01T00:00:00Z,lend-usdc,3,5,0.5\n2024-01-01T01:00:00Z,lend-usdc,abc,5,0.5`,
        },
        /rates\.csv line 3, column apr_pct/,
      );
      expect(err.context).to.include({ file: "rates.csv", line: 3, column: "apr_pct" });
    });

    it("rejects a timestamp that is not ISO 8601", async () => {
      await expectBadRow(
        { ...base, "rates.csv": `${header}\n01/02/2024,lend-usdc,3,5,0.5` },
        /line 2, column timestamp/,
      );
    });

    it("rejects a rate for a pool missing from pools.csv", async () => {
      await expectBadRow({ ...base, "rates.csv": `${header}\n2024-01-01T00:00:00Z,nope,3,5,0.5` }, /column pool_id/);
    });

    it("rejects a row with the wrong number of fields", async () => {
      await expectBadRow(
        { ...base, "rates.csv": `${header}\n2024-01-01T00:00:00Z,lend-usdc,3` },
        /line 2.*expected 5 fields/,
      );
    });

    it("rejects an unknown pool kind and a header missing a column", async () => {
      await expectBadRow(
        {
          ...base,
          "pools.csv": "pool_id,protocol,kind,asset,chain,fee_tier_pct\nx,p,farm,USDC,eth,",
          "rates.csv": header,
        },
        /pools\.csv line 2, column kind/,
      );
      await expectBadRow({ ...base, "rates.csv": "timestamp,pool_id,apr_pct,tvl_usd" }, /column utilization: missing/);
    });
  });
});

describe("asOf", () => {
  const series = [{ t: 100 }, { t: 200 }, { t: 300 }];

  it("returns the last point at or before the time", () => {
    expect(asOf(series, 250, 1000)).to.deep.equal({ t: 200 });
    expect(asOf(series, 300, 1000)).to.deep.equal({ t: 300 });
  });

  it("returns undefined before the first point and when the last point is older than the limit", () => {
    expect(asOf(series, 99, 1000)).to.equal(undefined);
    expect(asOf(series, 400, 99)).to.equal(undefined);
    expect(asOf(series, 400, 100)).to.deep.equal({ t: 300 });
  });
});
