import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Writes a small keel dataset folder; returns its path and a cleanup function. */
export function writeDataset(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "keel-ds-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const poolsCsv = [
  "pool_id,protocol,kind,asset,chain,fee_tier_pct",
  "lend-usdc,aave-v3,lending,USDC,ethereum,",
  "lp-weth-usdt,uniswap-v3,lp,WETH/USDT,ethereum,30",
].join("\n");

/** Hourly lending rows and daily LP rows, deliberately interleaved out of order. */
export function ratesCsv(): string {
  const rows = ["timestamp,pool_id,apr_pct,tvl_usd,utilization"];
  for (let h = 0; h < 72; h++) {
    const t = new Date(Date.UTC(2024, 0, 1, h)).toISOString().replace(".000Z", "Z");
    rows.push(`${t},lend-usdc,${(3 + h / 100).toFixed(3)},${5_000_000 + h},0.8`);
  }
  for (let d = 2; d >= 0; d--) {
    const t = new Date(Date.UTC(2024, 0, 1 + d)).toISOString().replace(".000Z", "Z");
    rows.push(`${t},lp-weth-usdt,${20 + d},${30_000_000 + d},`);
  }
  return rows.join("\n");
}

export const pricesCsv = [
  "timestamp,symbol,price_usd",
  "2024-01-01T00:00:00Z,ETH,2300",
  "2024-01-02T00:00:00Z,ETH,2350",
  "2024-01-01T00:00:00Z,USDT,1.0",
].join("\n");
