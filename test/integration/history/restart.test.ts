// Market history (issue 14, finding 5): it survives a restart of the daemon's app, a fresh state
// directory fills it from past blocks, and until a source has the history the model needs it is the
// baseline's, with the reason in the decision. The real composition root against a devnet chain that
// outlives it, ticked by hand one simulated hour at a time.
import { rmSync } from "node:fs";
import { expect } from "chai";
import { Contract, JsonRpcProvider } from "ethers";
import pino from "pino";
import { AavePoolAbi, IERC4626Abi, IKeelAdapterAbi } from "../../../src/adapters/ethers/abi/generated.ts";
import { type App, createApp } from "../../../src/app.ts";
import { parseConfig } from "../../../src/config/load.ts";
import { type Devnet, startDevnet } from "../../../src/devnet/devnet.ts";
import type { DecisionRecord } from "../../../src/domain/decision.ts";
import type { SourcePoint } from "../../../src/domain/snapshot.ts";
import { createMetrics } from "../../../src/observability/metrics.ts";
import { createShutdown, type Shutdown } from "../../../src/runtime/shutdown.ts";
import { daemonConfig } from "../../chaos/config.ts";
import { tempStateDir } from "../../support/daemon.ts";

const HOUR = 3_600;

async function metricValue(app: App, name: string): Promise<number | undefined> {
  const m = (await app.metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return m?.values[0]?.value;
}
const logger = pino({ level: "silent" });

/** The chain's own time: the devnet runs one simulated hour per step, ahead of the wall clock. */
async function chainClock(devnet: Devnet) {
  let chainMs = 0;
  const sync = async () => {
    const b = (await devnet.chain.provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
      timestamp: string;
    };
    chainMs = Number(BigInt(b.timestamp)) * 1000;
  };
  await sync();
  return {
    sync,
    clock: { now: () => chainMs + 1_000, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) },
  };
}

describe("market history across a restart of the app", function () {
  this.timeout(240_000);
  let devnet: Devnet;
  let stateDir: string;
  const open: Shutdown[] = [];

  before(async () => {
    devnet = await startDevnet(
      {
        seed: 3,
        stepSeconds: HOUR,
        stepIntervalMs: 600_000,
        initialDepositUnits: 1_000_000,
        httpPort: 0,
        episodes: false,
        autoStep: false,
      },
      { logger },
    );
    stateDir = tempStateDir("keel-history-");
  });

  after(async () => {
    for (const s of open) await s.close("test done");
    await devnet?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  async function start(
    state: Record<string, unknown>,
    dir = stateDir,
  ): Promise<{ app: App; shutdown: Shutdown; tick(): Promise<DecisionRecord | undefined> }> {
    const cfg = daemonConfig(devnet, devnet.rpcUrl, dir, { state });
    Object.assign(process.env, cfg.env);
    const loaded = parseConfig(cfg.raw, "history test");
    const shutdown = createShutdown({ graceMs: 5_000 }, { logger });
    open.push(shutdown);
    const { clock, sync } = await chainClock(devnet);
    const app = await createApp(loaded, { dryRun: true }, { logger, metrics: createMetrics(), shutdown, clock });
    return {
      app,
      shutdown,
      async tick() {
        await devnet.simulator.step();
        await sync();
        return app.tick("manual");
      },
    };
  }

  // Everything the store holds, whatever the chain's clock says.
  const ALL = 4_000_000_000;
  const adapter = (kind: string) => devnet.deployment.adapters.find((a) => a.kind === kind)!.address;
  let seen: Record<string, readonly SourcePoint[]> = {};

  it("keeps the hourly points recorded before the restart", async () => {
    // No backfill: what is there after the restart is what the store kept.
    const first = await start({ historyDays: 60, backfill: { days: 0 } });
    for (let i = 0; i < 30; i++) await first.tick();
    const source = devnet.deployment.adapters[0]!.address;
    const before = first.app.history.window(ALL, ALL).sources[source] ?? [];
    expect(before.length).to.be.at.least(30);
    seen = first.app.history.window(ALL, ALL).sources;
    await first.shutdown.close("restart");

    const second = await start({ historyDays: 60, backfill: { days: 0 } });
    await second.tick();
    const after = second.app.history.window(ALL, ALL).sources[source] ?? [];
    expect(after.length, "hourly points of the first source after the restart").to.be.at.least(before.length + 1);
    expect(after.slice(0, before.length)).to.deep.equal(before);
    await second.shutdown.close("done");
  });

  it("fills a fresh state directory's history from past blocks: one point per hour, each the state of that hour's last block", async () => {
    const fresh = tempStateDir("keel-history-fresh-");
    try {
      const app = await start({ historyDays: 60 }, fresh);
      const fill = await app.app.historyFill;
      expect(fill.error).to.equal(undefined);
      expect(fill.chain?.stopped).to.equal(undefined);
      expect(fill.chain?.filledHours).to.be.at.least(30);
      const filled = app.app.history.window(ALL, ALL).sources;
      const lending = adapter("lending");
      const vault = adapter("vault");
      // One point per hour of the chain (the hour's last block), each hour the live app saw included.
      const hours = (id: string) => (filled[id] ?? []).map((p) => Math.floor(p.t / HOUR));
      expect(new Set(hours(lending)).size).to.equal(hours(lending).length);
      for (const p of seen[lending] ?? []) expect(hours(lending)).to.include(Math.floor(p.t / HOUR));
      // Each point is the chain's state at its block, read independently here.
      const chain = new JsonRpcProvider(devnet.rpcUrl, undefined, { staticNetwork: true, polling: false });
      try {
        const blockOf = new Map<number, number>();
        for (let n = await chain.getBlockNumber(); n >= 0; n--) blockOf.set((await chain.getBlock(n))!.timestamp, n);
        const pool = new Contract(
          await new Contract(lending, IKeelAdapterAbi, chain).getFunction("target")(),
          AavePoolAbi,
          chain,
        );
        const target = new Contract(
          await new Contract(vault, IKeelAdapterAbi, chain).getFunction("target")(),
          IERC4626Abi,
          chain,
        );
        const one = 10n ** BigInt(await target.getFunction("decimals")());
        for (const p of (filled[lending] ?? []).slice(-8)) {
          const blockTag = blockOf.get(p.t)!;
          const r = await pool.getFunction("getReserveData")(devnet.deployment.asset.address, { blockTag });
          expect(p.aprPct).to.equal((Number((r.currentLiquidityRate * 1_000_000n) / 10n ** 27n) / 1_000_000) * 100);
        }
        // A share-price rate: growth over the 24 h window behind it, as the live reader measures it.
        const points = filled[vault] ?? [];
        for (const p of points.slice(-8)) {
          const perShare = await target.getFunction("convertToAssets")(one, { blockTag: blockOf.get(p.t)! });
          expect(p.sharePrice).to.equal(Number(perShare) / 10 ** devnet.deployment.asset.decimals);
          const from = points.filter((q) => q.t <= p.t - 86_400).at(-1)!;
          const apr = (((p.sharePrice! / from.sharePrice! - 1) * (365 * 86_400)) / (p.t - from.t)) * 100;
          expect(p.aprPct).to.be.closeTo(apr, 1e-9);
        }
      } finally {
        chain.destroy();
      }
      await app.shutdown.close("done");
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it("forecasts each source by its own baseline until it has the 88 days the model needs, and says so", async () => {
    const app = await start({ historyDays: 60, backfill: { days: 0 } });
    const rec = await app.tick();
    // The model loaded (no global fallback); each source is served per source.
    expect(rec?.detail.forecast?.fallbackReason).to.equal(undefined);
    const reasons = rec?.stages.find((s) => s.stage === "predict")?.reasons ?? [];
    const short = reasons.filter((r) => r.code === "HISTORY_SHORT");
    // The shipped model learnt lending rates (aave): the devnet's Aave source waits for its history;
    // the ERC-4626 vaults and the Uniswap v2 pair are not the model's to forecast at all.
    const learnt = devnet.deployment.adapters.filter((a) => a.kind === "lending").map((a) => a.address);
    const unseen = devnet.deployment.adapters.filter((a) => a.kind !== "lending").map((a) => a.address);
    expect(learnt).to.not.be.empty;
    expect(short.map((r) => r.sourceId).sort()).to.deep.equal([...learnt].sort());
    expect(
      reasons
        .filter((r) => r.code === "MODEL_INPUT_UNSEEN")
        .map((r) => r.sourceId)
        .sort(),
    ).to.deep.equal([...unseen].sort());
    for (const r of short ?? []) {
      expect(r.limit).to.equal(88);
      expect(r.value).to.be.within(1, 3);
      const f = rec?.detail.forecast?.sources[r.sourceId!];
      expect(f?.forecaster, `per-source baseline of ${r.sourceId}`).to.be.oneOf([
        "persistence",
        "mean",
        "ema",
        "arima",
      ]);
      expect(r.message).to.contain(`forecast by ${f?.forecaster}`);
    }
    expect(await metricValue(app.app, "keel_forecast_short_history_sources")).to.equal(learnt.length);
    await app.shutdown.close("done");
  });
});
