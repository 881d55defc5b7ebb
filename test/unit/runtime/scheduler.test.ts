import { expect } from "chai";
import pino from "pino";
import { createMetrics } from "../../../src/observability/metrics.ts";
import { startScheduler } from "../../../src/runtime/scheduler.ts";

const logger = pino({ level: "silent" });

describe("scheduler", () => {
  it("never overlaps ticks: a trigger during a running tick is skipped and counted", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const controller = new AbortController();
    let release!: () => void;
    let running = 0;
    let maxRunning = 0;
    const s = startScheduler(
      { cron: "0 0 1 1 *", onNewBlock: false, pollIntervalMs: 60_000 },
      {
        tick: async () => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await new Promise<void>((r) => (release = r));
          running--;
        },
        headBlock: async () => 0,
        metrics,
        logger,
        signal: controller.signal,
      },
    );
    const first = s.trigger("manual");
    await s.trigger("cron");
    await s.trigger("cron");
    release();
    await first;
    expect(maxRunning).to.equal(1);
    expect(s.ticksRun()).to.equal(1);
    expect((await metrics.tickSkipped.get()).values[0]?.value).to.equal(2);
    controller.abort();
    await s.done;
  });

  it("ticks once per new block and stops by itself after maxTicks", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let head = 10;
    const seen: string[] = [];
    const s = startScheduler(
      { cron: "0 0 1 1 *", onNewBlock: true, pollIntervalMs: 5, maxTicks: 3 },
      {
        tick: async (t) => {
          seen.push(t);
          head++;
        },
        headBlock: async () => head,
        metrics,
        logger,
        signal: new AbortController().signal,
      },
    );
    await s.done;
    expect(seen).to.deep.equal(["block", "block", "block"]);
  });

  it("stops when the shutdown signal aborts and runs no tick afterwards", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const controller = new AbortController();
    let ticks = 0;
    const s = startScheduler(
      { cron: "0 0 1 1 *", onNewBlock: false, pollIntervalMs: 5 },
      { tick: async () => void ticks++, headBlock: async () => 0, metrics, logger, signal: controller.signal },
    );
    controller.abort();
    await s.done;
    await s.trigger("manual");
    expect(ticks).to.equal(0);
  });
});
