import { expect } from "chai";
import pino from "pino";
import { reason } from "../../../src/domain/reasons.ts";
import { createMetrics } from "../../../src/observability/metrics.ts";
import { createTickObserver } from "../../../src/observability/tickObserver.ts";
import { record } from "../../support/fakes.ts";

async function gauge(metrics: ReturnType<typeof createMetrics>, name: "halted" | "paused") {
  return (await metrics[name].get()).values[0]?.value;
}

describe("tick observer", () => {
  const logger = pino({ level: "silent" });

  it("counts ticks by outcome and halt reasons by code", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const obs = createTickObserver({ metrics, logger });
    obs.onDecision(
      record("a", 1, { outcome: "halted", haltReasons: [reason("GAIN_BELOW_COST", "no", { severity: "halt" })] }),
    );
    obs.onDecision(record("b", 2, { outcome: "executed" }));
    const ticks = (await metrics.ticks.get()).values.map((v) => [v.labels.outcome, v.value]);
    expect(ticks).to.deep.include.members([
      ["halted", 1],
      ["executed", 1],
    ]);
    expect((await metrics.haltReasons.get()).values[0]).to.deep.include({
      labels: { code: "GAIN_BELOW_COST" },
      value: 1,
    });
  });

  it("sets keel_halted for a kill-switch, a risk trigger or a failure, not for routine answers; leaves keel_paused to the watcher", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const obs = createTickObserver({ metrics, logger });
    obs.onDecision(
      record("a", 1, { outcome: "halted", haltReasons: [reason("COOLDOWN", "wait", { severity: "halt" })] }),
    );
    expect(await gauge(metrics, "halted")).to.equal(0);
    obs.onDecision(
      record("b", 2, { outcome: "halted", haltReasons: [reason("PAUSED", "paused", { severity: "halt" })] }),
    );
    expect(await gauge(metrics, "halted")).to.equal(1);
    obs.onDecision(
      record("c", 3, { outcome: "halted", haltReasons: [reason("DEPEG_STOP", "USDC 0.98", { severity: "halt" })] }),
    );
    expect(await gauge(metrics, "halted")).to.equal(1);
    obs.onDecision(record("d", 4, { outcome: "executed" }));
    expect(await gauge(metrics, "halted")).to.equal(0);
    obs.onDecision(record("e", 5, { outcome: "failed" }));
    expect(await gauge(metrics, "halted")).to.equal(1);
    expect(await gauge(metrics, "paused")).to.equal(0);
  });
});
