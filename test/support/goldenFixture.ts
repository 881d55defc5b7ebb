// The golden backtest fixture: a small generated dataset in the keel CSV format, committed under
// test/fixtures/backtest-golden so that the fast and the reference paths replay the very same files.
// Regenerate with: node test/support/goldenFixture.ts
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { syntheticDataset } from "../../src/backtest/synthetic.ts";
import type { Dataset } from "../../src/domain/dataset.ts";
import { T0 } from "./backtest.ts";

const HOUR = 3_600;
const DAY = 86_400;

/** Where the committed fixture lives. */
export const GOLDEN_DIR = fileURLToPath(new URL("../fixtures/backtest-golden", import.meta.url));

const iso = (t: number) => new Date(t * 1000).toISOString().replace(".000Z", "Z");

/** A dataset as the keel CSV files (pools, rates, prices, gas, incidents), by file name. */
export function datasetCsv(d: Dataset): Record<string, string> {
  const lines = (header: string, rows: string[]) => `${[header, ...rows].join("\n")}\n`;
  return {
    "pools.csv": lines(
      "pool_id,protocol,kind,asset,chain,fee_tier_pct",
      d.pools.map((p) => `${p.poolId},${p.protocol},${p.kind},${p.asset},${p.chain},${p.feeTierPct ?? ""}`),
    ),
    "rates.csv": lines(
      "timestamp,pool_id,apr_pct,tvl_usd,utilization",
      [...d.rates].flatMap(([id, pts]) =>
        pts.map((p) => `${iso(p.t)},${id},${p.aprPct},${p.tvlUsd},${p.utilization ?? ""}`),
      ),
    ),
    "prices.csv": lines(
      "timestamp,symbol,price_usd",
      [...d.prices].flatMap(([s, pts]) => pts.map((p) => `${iso(p.t)},${s},${p.priceUsd}`)),
    ),
    "gas.csv": lines(
      "timestamp,gas_price_gwei",
      d.gas.map((g) => `${iso(g.t)},${g.gwei}`),
    ),
    "incidents.csv": lines(
      "timestamp,protocol,chain,loss_usd,technique",
      d.incidents.map((i) => `${iso(i.t)},${i.protocol},${i.chain},${i.lossUsd},${i.technique}`),
    ),
  };
}

/** Writes a dataset's CSV files into `dir`. */
export function writeDatasetCsv(dir: string, d: Dataset): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(datasetCsv(d))) writeFileSync(join(dir, name), text);
}

/**
 * 80 days from T0: three USDC lending pools with hourly rates, a Uniswap v2 USDC/WETH pair with daily fee
 * APR, hourly ETH closes, daily USDC closes and gas, and one incident — every kind of row the replay reads.
 */
export function goldenDataset(): Dataset {
  const d = syntheticDataset({ sources: 3, start: T0, days: 80, rateStepSeconds: HOUR, seed: 21 });
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  const rates = new Map(
    [...d.rates].map(([id, pts]) => [
      id,
      pts.map((p) => ({ ...p, aprPct: round(p.aprPct), tvlUsd: Math.round(p.tvlUsd) })),
    ]),
  );
  const days = Array.from({ length: 80 }, (_v, i) => T0 + i * DAY);
  rates.set(
    "uni2-usdc-weth",
    days.map((t, i) => ({ t, aprPct: round(9 + 4 * Math.sin(i / 5)), tvlUsd: 4e7 + 1e6 * (i % 9), utilization: null })),
  );
  const daily = d.prices.get("ETH") ?? [];
  const eth = daily.flatMap((p, i) =>
    Array.from({ length: 24 }, (_v, h) => ({
      t: p.t + h * HOUR,
      priceUsd: round(p.priceUsd * (1 + 0.002 * Math.sin(i + h))),
    })),
  );
  return {
    ...d,
    pools: [
      ...d.pools,
      {
        poolId: "uni2-usdc-weth",
        protocol: "uniswap-v2",
        kind: "lp",
        asset: "USDC/WETH",
        chain: "ethereum",
        feeTierPct: 0.3,
      },
    ],
    rates,
    prices: new Map([
      ["USDC", (d.prices.get("USDC") ?? []).map((p) => ({ ...p, priceUsd: round(p.priceUsd) }))],
      ["ETH", eth],
    ]),
    gas: d.gas.map((g) => ({ ...g, gwei: round(g.gwei) })),
    incidents: [
      { t: T0 + 70 * DAY, protocol: "Other Protocol", chain: "Ethereum", lossUsd: 5e6, technique: "Protocol Logic" },
    ],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) writeDatasetCsv(GOLDEN_DIR, goldenDataset());
