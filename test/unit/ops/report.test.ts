// The LP risk report: its statistics, built from a journal or a backtest, rendered self-contained.
import { expect } from "chai";
import type { DecisionRecord } from "../../../src/domain/decision.ts";
import { parseBacktestJson, reportFromBacktest } from "../../../src/report/fromBacktest.ts";
import { reportFromDecisions } from "../../../src/report/fromJournal.ts";
import { renderReport } from "../../../src/report/html.ts";
import { drawdowns, historicalVarCvar, ilExposure, impermanentLoss } from "../../../src/report/stats.ts";
import { decision, SOURCE_A, SOURCE_B } from "../../support/ops-fixtures.ts";

const SECTIONS = [
  "summary",
  "allocation",
  "forecasts",
  "risk",
  "il",
  "depeg-oracle",
  "incidents",
  "interventions",
  "gas",
];

/** A record with a verdict that carries the given reasons and sets. */
function withVerdict(
  i: number,
  patch: {
    reasons?: DecisionRecord["haltReasons"];
    frozen?: string[];
    forcedExits?: string[];
    triggers?: DecisionRecord["haltReasons"];
  },
): DecisionRecord {
  const base = decision(i);
  return {
    ...base,
    detail: {
      ...base.detail,
      verdict: {
        ...base.detail.verdict!,
        reasons: patch.reasons ?? [],
        frozen: patch.frozen ?? [],
        forcedExits: patch.forcedExits ?? [],
        triggers: patch.triggers ?? [],
      },
    },
  };
}

describe("report statistics", () => {
  it("historical VaR and CVaR are the alpha-quantile loss and the mean loss beyond it", () => {
    const rets = Array.from({ length: 20 }, (_v, i) => (i === 0 ? -0.1 : i === 1 ? -0.05 : 0.01));
    const r = historicalVarCvar(rets, 0.9)!;
    expect(r.var).to.be.closeTo(0.05, 1e-12);
    expect(r.cvar).to.be.closeTo(0.075, 1e-12);
    expect(historicalVarCvar([0.01, 0.02])).to.equal(null);
  });

  it("drawdown is measured from the running peak", () => {
    const dd = drawdowns([100, 120, 90, 130, 65].map((value, t) => ({ t, value })));
    expect(dd.max).to.be.closeTo(0.5, 1e-12);
    expect(dd.series.map((p) => p.value)).to.deep.equal([0, 0, 0.25, 0, 0.5]);
  });

  it("impermanent loss follows the constant-product formula", () => {
    expect(impermanentLoss(1)).to.equal(0);
    expect(impermanentLoss(4)).to.be.closeTo(0.2, 1e-12);
    const small = ilExposure(20, 7);
    const large = ilExposure(80, 7);
    expect(large.expectedPct).to.be.closeTo(small.expectedPct * 16, 1e-9);
    expect(large.stressPct).to.be.greaterThan(large.expectedPct);
  });
});

describe("report from the journal", () => {
  const now = Date.UTC(2026, 1, 1);

  it("compares each forecast with the mean rate observed over its horizon", () => {
    const records = Array.from({ length: 24 * 10 }, (_v, i) => decision(i + 1));
    const data = reportFromDecisions(records, { baseSymbol: "USDC", decimals: 6, now });
    const a = data.forecasts.find((f) => f.sourceId === SOURCE_A)!;
    expect(a.rows).to.have.length(240);
    const first = a.rows[0]!;
    const expected = records.slice(1, 1 + 24 * 7).map((r) => r.detail.rates![SOURCE_A]!);
    expect(first.realised).to.be.closeTo(expected.reduce((x, y) => x + y, 0) / expected.length, 1e-9);
    expect(first.complete).to.equal(true);
    expect(a.rows.at(-1)!.complete).to.equal(false);
    expect(data.allocation).to.have.length(240);
    expect(data.gas.rebalances).to.equal(80);
    expect(data.gas.totalUsd).to.be.closeTo(80 * 12.5, 1e-9);
    expect(data.outcomes).to.deep.equal({ halted: 160, executed: 80 });
  });

  it("renders a journal of 150 000 decisions (a month and more at the 30 s cron) without overflowing the stack", function () {
    // What this proves is the stack, not the speed (bench/ has that): room for a loaded machine.
    this.timeout(60_000);
    const one = decision(1);
    const records = Array.from({ length: 150_000 }, (_v, i) => ({
      ...one,
      id: `r${i}`,
      startedAt: one.startedAt + i * 30_000,
      detail: { ...one.detail, snapshot: { ...one.detail.snapshot!, timestamp: one.startedAt / 1000 + i * 30 } },
    }));
    const html = renderReport(reportFromDecisions(records, { baseSymbol: "USDC", decimals: 6, now }));
    expect(html).to.contain("150000 decisions");
  });

  it("collects depeg/oracle findings, incidents and interventions without repeating unchanged states", () => {
    const depeg = {
      code: "DEPEG_STOP" as const,
      message: "USDT at 0.97",
      severity: "halt" as const,
      sourceId: SOURCE_B,
    };
    const failed: DecisionRecord = {
      ...decision(6, { outcome: "failed" }),
      stages: [
        {
          stage: "ingest",
          status: "error",
          durationMs: 5,
          summary: "failed",
          error: { code: "RPC_TIMEOUT", message: "timed out", retryable: true },
        },
      ],
    };
    const records = [
      withVerdict(1, {}),
      withVerdict(2, { reasons: [depeg], frozen: [SOURCE_B] }),
      withVerdict(3, { reasons: [depeg], frozen: [SOURCE_B] }),
      withVerdict(4, {
        frozen: [],
        forcedExits: [SOURCE_A],
        triggers: [{ code: "TVL_DROP", message: "pool drained", severity: "halt" }],
      }),
      decision(5, { paused: true }),
      failed,
    ];
    const data = reportFromDecisions(records, { baseSymbol: "USDC", decimals: 6, now });
    // The same finding on consecutive decisions is one row with a count.
    expect(data.depegOracle.history.map((e) => [e.code, e.count])).to.deep.equal([["DEPEG_STOP", 2]]);
    expect(data.depegOracle.current).to.deep.equal([]);
    expect(data.interventions.map((e) => e.code)).to.deep.equal([
      "FROZEN",
      "FORCED_EXIT",
      "FROZEN_LIFTED",
      "FORCED_EXIT_LIFTED",
    ]);
    expect(data.incidents.map((e) => e.code)).to.deep.equal([
      "TVL_DROP",
      "VAULT_PAUSED",
      "RPC_TIMEOUT",
      "VAULT_UNPAUSED",
    ]);
  });

  it("reports a failure repeated on consecutive decisions once, with its count and last time", () => {
    const failing = (i: number): DecisionRecord => ({
      ...decision(i, { outcome: "failed" }),
      stages: [
        {
          stage: "gasCheck",
          status: "error",
          durationMs: 1,
          summary: "failed",
          error: { code: "EXECUTION_REVERTED", message: `MoveTooLarge(${i})`, retryable: false },
        },
      ],
    });
    const data = reportFromDecisions([failing(1), failing(2), failing(3), decision(4), failing(5)], {
      baseSymbol: "USDC",
      decimals: 6,
      now,
    });
    expect(data.incidents.map((e) => [e.code, e.count, e.decisionId])).to.deep.equal([
      ["EXECUTION_REVERTED", 3, "d-00001"],
      ["EXECUTION_REVERTED", 1, "d-00005"],
    ]);
    expect(data.incidents[0]!.until).to.equal(decision(3).detail.snapshot!.timestamp);
    expect(renderReport(data)).to.contain("(3 decisions, until");
  });

  it("renders every section as one self-contained, escaped HTML document", () => {
    const evil = withVerdict(2, {
      reasons: [{ code: "ORACLE_STALE", message: "<script>alert(1)</script>", severity: "warn" }],
    });
    const html = renderReport(
      reportFromDecisions([decision(1), evil, decision(3)], {
        baseSymbol: "USDC",
        decimals: 6,
        now,
        labels: { [SOURCE_A]: "aave-usdc" },
      }),
    );
    for (const id of SECTIONS) expect(html, id).to.contain(`<section id="${id}">`);
    expect(html).to.not.match(/(src|href)\s*=\s*["']?(https?:)?\/\//);
    expect(html).to.not.contain("<script");
    expect(html).to.contain("&#60;script&#62;");
    expect(html).to.contain("aave-usdc");
    expect(html).to.contain("<svg");
  });
});

describe("report from a backtest", () => {
  const doc = {
    start: "2023-03-01",
    end: "2024-12-31",
    capital_usd: 1_000_000,
    strategies: {
      keel: {
        net_apy_pct: 5.1,
        sharpe: 2.1,
        sortino: 3,
        max_drawdown_pct: 0.4,
        gas_pct_aum: 0.02,
        rebalances: 40,
        turnover: 3.2,
        win_rate_pct: 70,
        capture: 0.6,
      },
      equal: {
        net_apy_pct: 4.2,
        sharpe: 1.5,
        sortino: 2,
        max_drawdown_pct: 0.6,
        gas_pct_aum: 0.01,
        rebalances: 22,
        turnover: 1,
        win_rate_pct: 50,
        capture: 0,
      },
    },
  };

  it("accepts the documented --json shape and tabulates every strategy", () => {
    const data = reportFromBacktest(parseBacktestJson(doc, "bt.json"), { now: 0 });
    expect(Object.keys(data.strategies!)).to.deep.equal(["keel", "equal"]);
    expect(data.strategies!.keel!.net_apy_pct).to.equal(5.1);
    expect(data.risk.maxDrawdownPct).to.equal(0.4);
    expect(data.origin.kind).to.equal("backtest");
    expect(data.notes.join(" ")).to.contain("no decision records");
    const html = renderReport(data);
    for (const id of [...SECTIONS, "strategies"]) expect(html, id).to.contain(`<section id="${id}">`);
  });

  it("uses the strategy's equity series and decisions when the document carries them", () => {
    const equity = [100, 110, 99, 120].map((value, i) => ({ date: `2024-01-0${i + 1}`, value }));
    const decisions = Array.from({ length: 12 }, (_v, i) => decision(i + 1));
    const data = reportFromBacktest(
      parseBacktestJson(
        { ...doc, strategies: { ...doc.strategies, keel: { ...doc.strategies.keel, equity, decisions } } },
        "bt.json",
      ),
      { now: 0 },
    );
    expect(data.equity).to.have.length(4);
    expect(data.risk.maxDrawdownPct).to.be.closeTo(10, 1e-9);
    expect(data.forecasts.length).to.equal(2);
    expect(data.gas.rebalances).to.equal(4);
  });

  it("names the field when the document is not a backtest", () => {
    expect(() => parseBacktestJson({ start: "x", strategies: {} }, "bad.json")).to.throw(/not a keel backtest/);
    try {
      parseBacktestJson({ start: "x", strategies: {} }, "bad.json");
    } catch (err) {
      expect((err as { issues: { path: string }[] }).issues.map((i) => i.path)).to.include.members([
        "end",
        "capital_usd",
      ]);
    }
  });
});
