import { expect } from "chai";
import pino from "pino";
import type { DecisionRecord } from "../../../src/domain/decision.ts";
import { reason } from "../../../src/domain/reasons.ts";
import type { Logger } from "../../../src/observability/logger.ts";
import { createMetrics } from "../../../src/observability/metrics.ts";
import { createTickObserver } from "../../../src/observability/tickObserver.ts";
import { record } from "../../support/fakes.ts";
import { depegStopDecision, proposalPendingDecision } from "../../support/ops-fixtures.ts";

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

/** A logger that keeps every JSON line it writes. */
function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines };
}

describe("tick observer: the headline reason", () => {
  it("shows a depeg freeze as DEPEG_STOP, not STAY: log line, keel_halted and keel_halt_reasons_total", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const { logger: log, lines } = capturingLogger();
    createTickObserver({ metrics, logger: log }).onDecision(depegStopDecision(7));
    const line = lines.find((l) => l.msg === "decision");
    expect(line?.reason, JSON.stringify(line)).to.equal("DEPEG_STOP");
    expect(line?.reasons).to.deep.equal(["DEPEG_STOP", "STAY"]);
    expect(await gauge(metrics, "halted")).to.equal(1);
    expect((await metrics.haltReasons.get()).values.map((v) => [v.labels.code, v.value])).to.deep.equal([
      ["DEPEG_STOP", 1],
    ]);
  });

  it("a Safe proposal waiting for signatures is a wait: headline PROPOSAL_PENDING, keel_halted 0", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const { logger: log, lines } = capturingLogger();
    createTickObserver({ metrics, logger: log }).onDecision(proposalPendingDecision(8));
    expect(lines.find((l) => l.msg === "decision")?.reason).to.equal("PROPOSAL_PENDING");
    expect(await gauge(metrics, "halted")).to.equal(0);
    expect((await metrics.tickFailures.get()).values).to.deep.equal([]);
  });
});

describe("tick observer: keeper, vault and oracle gauges", () => {
  const logger = pino({ level: "silent" });
  const KEEPER = "0x00000000000000000000000000000000000000Ee";
  const observed = (over: Partial<DecisionRecord> = {}) =>
    record("g", 1, {
      outcome: "halted",
      stages: [
        { stage: "ingest", status: "ok", durationMs: 1, summary: "ok" },
        { stage: "predict", status: "ok", durationMs: 1, summary: "ok" },
        {
          stage: "riskGate",
          status: "ok",
          durationMs: 1,
          summary: "1 frozen",
          reasons: [
            {
              code: "ORACLE_STALE",
              message: "0xsrc frozen: KWETH price is 7300 s old (heartbeat 3600 s)",
              symbol: "KWETH",
              sourceId: "0xsrc",
              severity: "warn",
            },
          ],
        },
      ],
      detail: {
        snapshot: {
          block: 9,
          timestamp: 1,
          totalAssets: "2500500000",
          idle: "2500500000",
          paused: false,
          keeperBalanceWei: "10000000000000000000000",
        },
      },
      ...over,
    });

  it("sets the keeper's balance, the vault's total assets (whole units) and per-feed staleness from a decision", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    createTickObserver({
      metrics,
      logger,
      baseAsset: { symbol: "kUSDC", decimals: 6 },
      keeper: KEEPER,
      oracleSymbols: ["kUSDC", "kWETH"],
    }).onDecision(observed());
    expect((await metrics.keeperBalance.get()).values).to.deep.equal([{ labels: { address: KEEPER }, value: 1e22 }]);
    expect((await metrics.vaultTotalAssets.get()).values).to.deep.equal([
      { labels: { asset: "kUSDC" }, value: 2500.5 },
    ]);
    const stale = (await metrics.oracleStale.get()).values.map((v) => [v.labels.symbol, v.value]);
    expect(stale).to.have.deep.members([
      ["KUSDC", 0],
      ["KWETH", 1],
    ]);
  });

  it("exports no keeper balance without a keeper (dry run), and leaves staleness alone when the gate did not run", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const obs = createTickObserver({ metrics, logger, baseAsset: { symbol: "kUSDC", decimals: 6 }, oracleSymbols: [] });
    obs.onDecision(observed());
    expect((await metrics.keeperBalance.get()).values).to.deep.equal([]);
    obs.onDecision(observed({ stages: [{ stage: "ingest", status: "ok", durationMs: 1, summary: "ok" }] }));
    expect((await metrics.oracleStale.get()).values.map((v) => [v.labels.symbol, v.value])).to.deep.equal([
      ["KWETH", 1],
    ]);
  });
});
