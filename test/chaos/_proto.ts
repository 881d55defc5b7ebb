import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
const t0 = performance.now();
const { createApp } = await import("../../src/app.ts");
const { startDevnet } = await import("../../src/devnet/devnet.ts");
const { parseConfig } = await import("../../src/config/load.ts");
const { createMetrics } = await import("../../src/observability/metrics.ts");
const { createShutdown } = await import("../../src/runtime/shutdown.ts");
const { systemClock } = await import("../../src/runtime/clock.ts");
const t1 = performance.now();
console.log("imports ms", t1 - t0);
const logger = pino({ level: "warn" });
const devnet = await startDevnet({ seed: 1, stepSeconds: 3600, stepIntervalMs: 1000, initialDepositUnits: 1_000_000, httpPort: 0, episodes: false, autoStep: false }, { logger });
const t2 = performance.now();
console.log("devnet ms", t2 - t1);
process.env.KEEL_CHAOS_RPC = devnet.rpcUrl;
process.env.KEEL_CHAOS_KEEPER = devnet.keys.keeper;
process.env.KEEL_CHAOS_GUARDIAN = devnet.keys.guardian;
const oracles = Object.fromEntries(Object.entries(devnet.deployment.oracles).map(([k, v]) => [k.replace(/\/USD$/, ""), v]));
const loaded = parseConfig({
  chain: { rpcUrls: [{ env: "KEEL_CHAOS_RPC" }], requestTimeoutMs: 500 },
  contracts: { vault: devnet.deployment.vault, allocator: devnet.deployment.allocator, oracles },
  execution: { keeper: { type: "privateKey", key: { env: "KEEL_CHAOS_KEEPER" } }, guardian: { type: "privateKey", key: { env: "KEEL_CHAOS_GUARDIAN" } } },
  state: { dir: mkdtempSync(join(tmpdir(), "keel-chaos-")) },
}, "chaos");
const shutdown = createShutdown({ graceMs: 1000 }, { logger });
const app = await createApp(loaded, { dryRun: false }, { logger, metrics: createMetrics(), shutdown, clock: systemClock });
const t3 = performance.now();
console.log("app ms", t3 - t2);
for (let i = 0; i < 10; i++) {
  const a = performance.now();
  await devnet.simulator.step();
  const b = performance.now();
  const r = await app.tick("manual");
  console.log("step", (b - a).toFixed(0), "tick", (performance.now() - b).toFixed(0), r?.outcome, r?.haltReasons.map((x) => x.code).join(","), r?.stages.map((s) => `${s.stage}:${s.status}`).join(" "), JSON.stringify(r?.detail?.action ?? null).slice(0, 200));
}
await shutdown.close("done");
await devnet.close();
