// Replays a Uniswap v3 position on every uniswap-v3 pool of a keel dataset under the static, always and keel
// range policies (src/backtest/v3Range.ts); one JSON line per pool and policy.
// Usage: node scripts/v3-range-backtest.ts [--data DIR] [--from 2024-07-01] [--to 2024-12-31]
import { parseArgs } from "node:util";
import { readDataset } from "../src/adapters/dataset/reader.ts";
import { replayV3Range, V3_RANGE_DEFAULTS } from "../src/backtest/v3Range.ts";

const { values } = parseArgs({
  options: {
    data: { type: "string", default: "../shared/data/keel-train" },
    from: { type: "string", default: "2024-07-01" },
    to: { type: "string", default: "2024-12-31" },
  },
});
const seconds = (d: string) => Date.parse(`${d}T00:00:00Z`) / 1000;
const data = await readDataset(values.data);
const opts = { ...V3_RANGE_DEFAULTS, from: seconds(values.from), to: seconds(values.to) };
for (const pool of data.pools.filter((p) => p.protocol === "uniswap-v3")) {
  for (const policy of ["static", "always", "keel"] as const) {
    const r = replayV3Range(data, pool.poolId, policy, opts);
    const round = (x: number) => Math.round(x * 100) / 100;
    if (!r) {
      process.stdout.write(`${JSON.stringify({ poolId: pool.poolId, policy, skipped: "no rates or prices" })}\n`);
      continue;
    }
    const out = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "number" ? round(v) : v]));
    process.stdout.write(`${JSON.stringify(out)}\n`);
  }
}
