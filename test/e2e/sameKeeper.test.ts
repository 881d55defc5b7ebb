import { expect } from "chai";
import pino from "pino";
import { systemClock } from "../../src/adapters/clock.ts";
import { type App, createApp } from "../../src/app.ts";
import { backtestStageOptions } from "../../src/backtest/engine.ts";
import { parseConfig } from "../../src/config/load.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { createShutdown, type Shutdown } from "../../src/runtime/shutdown.ts";
import { backtestOver, scriptedDataset } from "../support/backtest.ts";
import { tempStateDir } from "../support/daemon.ts";

// One config, away from the defaults where it matters, for a kUSDC vault (the devnet's base asset).
const RAW = {
  devnet: { episodes: false, stepIntervalMs: 600_000 },
  strategy: { horizonDays: 5, maxWeightPerSourceBps: 5_000, minIdleBps: 300, scenarioCount: 120 },
  risk: { depegStopPct: 0.8, maxVarPct: 4 },
  model: {
    path: "/nonexistent/keel-e2e/model.onnx",
    linearPath: "/nonexistent/keel-e2e/linear.json",
    baseline: "ema",
    skill: { windowDays: 28 },
  },
  state: { historyDays: 90 },
  backtest: { baseAsset: "kUSDC", decimals: 6 },
  // Pins are read from the chain: a devnet daemon would pin its fresh deployment, which a replay cannot read.
  monitor: { pinDevnet: false },
};

describe("the backtest's keeper is the daemon's", function () {
  this.timeout(180_000);
  let app: App;
  let shutdown: Shutdown;
  const loaded = parseConfig({ ...RAW, state: { ...RAW.state, dir: tempStateDir("keel-same-") } }, "same keeper");

  before(async () => {
    const logger = pino({ level: "silent" });
    shutdown = createShutdown({ graceMs: 5_000 }, { logger });
    app = await createApp(loaded, { dryRun: true }, { logger, metrics: createMetrics(), shutdown, clock: systemClock });
  });
  after(async () => shutdown?.close("test done"));

  it("builds identical stage options from the same config, but for the data-resolution limits it states", () => {
    const daemon = app.stageOptions;
    const replay = backtestStageOptions(loaded.config);
    const { dataResolution } = loaded.config.backtest;
    expect(replay).to.deep.equal({
      ...daemon,
      ingest: { ...daemon.ingest, maxDataAgeSeconds: dataResolution.maxDataAgeSeconds },
      riskGate: { ...daemon.riskGate, ...dataResolution },
    });
    // With the data-resolution limits set to the daemon's own, nothing differs at all.
    const same = parseConfig(
      {
        ...RAW,
        backtest: {
          ...RAW.backtest,
          dataResolution: {
            maxDataAgeSeconds: loaded.config.risk.maxDataAgeSeconds,
            oracleHeartbeatSeconds: loaded.config.risk.oracleHeartbeatSeconds,
          },
        },
      },
      "same",
    );
    expect(backtestStageOptions(same.config)).to.deep.equal(daemon);
    expect(daemon.predict).to.deep.equal({
      horizonDays: 5,
      skill: { windowDays: 28, minScored: 30, confidence: 0.95 },
      calibration: { windowDays: 90, minScored: 20, tail: 0.1 },
    });
    expect(daemon.ingest.lookbackSeconds).to.equal(90 * 86_400);
  });

  it("serves the same forecaster, with the same fallback, in a daemon tick and in a backtest tick", async () => {
    await app.target.devnet!.simulator.step();
    const live = await app.tick("manual");
    const data = scriptedDataset({ days: 40, rates: { a: () => 4, b: () => 5 } });
    const replay = await backtestOver(data, { fromDay: 30, toDay: 30, config: { ...RAW, backtest: {} } });
    const backtestForecast = replay.runs[0]?.decisions[0]?.detail.forecast;
    expect(live?.detail.forecast?.forecaster).to.equal("ema");
    expect(backtestForecast?.forecaster).to.equal("ema");
    expect(backtestForecast?.fallbackReason).to.equal(live?.detail.forecast?.fallbackReason);
  });
});
