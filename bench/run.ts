// Runs every bench/*.bench.ts in turn; each prints one JSON line per figure on stdout.
// Usage: npm run bench [-- NAME ...] to run only benches whose file name contains NAME.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const dir = new URL(".", import.meta.url).pathname;
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((name) => f.includes(name)))
  .sort();
let failed = 0;
for (const f of files) {
  process.stderr.write(`bench: ${f}\n`);
  const r = spawnSync(process.execPath, [join(dir, f)], { stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`bench: ${f} exited ${r.status ?? r.signal}\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
