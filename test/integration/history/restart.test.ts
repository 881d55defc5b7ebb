// Market history survives a restart of the daemon's app (issue 14, finding 5): the real composition
// root against a devnet chain that outlives it, ticked by hand one simulated hour at a time.
import { rmSync } from "node:fs";
import { expect } from "chai";
import pino from "pino";
import { type App, createApp } from "../../../src/app.ts";
import { parseConfig } from "../../../src/config/load.ts";
import { type Devnet, startDevnet } from "../../../src/devnet/devnet.ts";
import { createMetrics } from "../../../src/observability/metrics.ts";
import { createShutdown, type Shutdown } from "../../../src/runtime/shutdown.ts";
import { daemonConfig } from "../../chaos/config.ts";
import { tempStateDir } from "../../support/daemon.ts";

const HOUR = 3_600;
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
  ): Promise<{ app: App; shutdown: Shutdown; tick(): Promise<void> }> {
    const cfg = daemonConfig(devnet, devnet.rpcUrl, stateDir, { state });
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
        await app.tick("manual");
      },
    };
  }

  it("keeps the hourly points recorded before the restart", async () => {
    const first = await start({ historyDays: 60 });
    for (let i = 0; i < 30; i++) await first.tick();
    const source = devnet.deployment.adapters[0]!.address;
    // Everything the store holds, whatever the chain's clock says.
    const asOf = 4_000_000_000;
    const before = first.app.history.window(asOf, asOf).sources[source] ?? [];
    expect(before.length).to.be.at.least(30);
    await first.shutdown.close("restart");

    const second = await start({ historyDays: 60 });
    await second.tick();
    const after = second.app.history.window(asOf, asOf).sources[source] ?? [];
    expect(after.length, "hourly points of the first source after the restart").to.be.at.least(before.length + 1);
    expect(after.slice(0, before.length)).to.deep.equal(before);
  });
});
