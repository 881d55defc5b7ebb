// Decision records for the ops tests (dashboard, API, report, status).
import type { DecisionRecord } from "../../src/domain/decision.ts";
import type { Reason } from "../../src/domain/reasons.ts";

export const SOURCE_A = "0x1111111111111111111111111111111111111111";
export const SOURCE_B = "0x2222222222222222222222222222222222222222";
const UNIT = 10n ** 6n;

/**
 * The i-th decision of a deterministic run: executes every third tick, halts otherwise
 * (`GAIN_BELOW_COST`), with forecasts, a verdict, allocation and observed rates.
 */
export function decision(
  i: number,
  opts: { outcome?: DecisionRecord["outcome"]; paused?: boolean } = {},
): DecisionRecord {
  const outcome = opts.outcome ?? (i % 3 === 0 ? "executed" : "halted");
  const t0 = Date.UTC(2026, 0, 1) + i * 3_600_000;
  const total = (1_000_000n + BigInt(i) * 100n) * UNIT;
  const a = (total * BigInt(40 + (i % 5))) / 100n;
  const b = (total * 30n) / 100n;
  const idle = total - a - b;
  const rateA = 4 + Math.sin(i / 3);
  const rateB = 6 + Math.cos(i / 4);
  const halted = outcome === "halted";
  const haltReasons: Reason[] = halted
    ? [
        {
          code: "GAIN_BELOW_COST",
          message: "expected gain below 3× gas cost",
          value: 0.5,
          limit: 3,
          severity: "halt" as const,
        },
      ]
    : [];
  return {
    id: `d-${String(i).padStart(5, "0")}`,
    trigger: "cron",
    startedAt: t0,
    configHash: "cafebabe12345678",
    modelHash: "mean",
    chainId: 31337,
    block: 100 + i * 10,
    outcome,
    stages: [
      { stage: "ingest", status: "ok", durationMs: 12, summary: "2 sources" },
      { stage: "predict", status: "ok", durationMs: 3, summary: "mean" },
      { stage: "riskGate", status: "ok", durationMs: 2, summary: "ok" },
      { stage: "optimize", status: "ok", durationMs: 5, summary: "2 moves" },
      halted
        ? { stage: "gasCheck", status: "halt", durationMs: 1, summary: "gain below cost", reasons: haltReasons }
        : { stage: "gasCheck", status: "ok", durationMs: 1, summary: "ok" },
      ...(halted ? [] : [{ stage: "execute" as const, status: "ok" as const, durationMs: 40, summary: "included" }]),
    ],
    haltReasons,
    detail: {
      snapshot: {
        block: 100 + i * 10,
        timestamp: t0 / 1000,
        totalAssets: total.toString(),
        idle: idle.toString(),
        paused: opts.paused ?? false,
        asset: { symbol: "USDC", decimals: 6 },
      },
      allocation: { [SOURCE_A]: a.toString(), [SOURCE_B]: b.toString() },
      rates: { [SOURCE_A]: rateA, [SOURCE_B]: rateB },
      forecast: {
        horizonDays: 7,
        forecaster: "mean",
        modelHash: "mean",
        fallbackReason: "model file missing",
        sources: {
          [SOURCE_A]: { sourceId: SOURCE_A, p10: rateA - 1, p50: rateA, p90: rateA + 1.2 },
          [SOURCE_B]: { sourceId: SOURCE_B, p10: rateB - 2, p50: rateB, p90: rateB + 1.5 },
        },
      },
      verdict: {
        caps: { [SOURCE_A]: 0.6, [SOURCE_B]: 0.5 },
        frozen: [],
        forcedExits: [],
        minIdleWeight: 0.05,
        triggers: [],
        metrics: { var95: 0.8 + i / 100, cvar95: 1.1 + i / 100, drawdown: 0.2 },
        reasons: [],
      },
      plan: {
        targetWeights: { [SOURCE_A]: 0.5, [SOURCE_B]: 0.4 },
        moves: [{ sourceId: SOURCE_B, direction: "deposit", amount: (10n * UNIT).toString() }],
        gainP10Usd: 120,
        gainP50Usd: 300,
      },
      gas: {
        gasUnits: "250000",
        costUsd: halted ? 200 : 12.5,
        gainToCost: halted ? 0.5 : 9.6,
        maxFeePerGasWei: "30000000000",
      },
      ...(halted
        ? {}
        : {
            action: {
              route: "direct" as const,
              intentId: `d-${i}`,
              txHashes: [`0x${"ab".repeat(32)}`],
              status: "included" as const,
              block: 101 + i * 10,
            },
          }),
    },
  };
}

/**
 * What runTick journals when the base asset is between the depeg stop and exit levels: the risk gate
 * goes on with every source frozen (`DEPEG_STOP`, severity warn), and the optimizer, with nothing it may
 * add to, halts on `STAY` — the only halt reason.
 */
export function depegStopDecision(i: number): DecisionRecord {
  const base = decision(i, { outcome: "halted" });
  const stop = (id: string): Reason => ({
    code: "DEPEG_STOP",
    message: `${id} frozen: base asset USDC is -1.50 % off its USD peg (stop at 1 %)`,
    sourceId: id,
    value: -1.5,
    limit: 1,
    severity: "warn" as const,
  });
  const riskReasons: Reason[] = [
    stop(SOURCE_A),
    stop(SOURCE_B),
    { code: "CAP_BOUND", message: `cap of ${SOURCE_A} is 40.00 %`, sourceId: SOURCE_A, severity: "info" as const },
  ];
  const stay: Reason[] = [{ code: "STAY", message: "the best plan is to stay", severity: "halt" as const }];
  const { plan: _plan, gas: _gas, ...detail } = base.detail;
  return {
    ...base,
    stages: [
      { stage: "ingest", status: "ok", durationMs: 12, summary: "2 sources" },
      { stage: "predict", status: "ok", durationMs: 3, summary: "mean" },
      { stage: "riskGate", status: "ok", durationMs: 2, summary: "0 allowed, 2 frozen", reasons: riskReasons },
      { stage: "optimize", status: "halt", durationMs: 5, summary: "the best plan is to stay", reasons: stay },
    ],
    haltReasons: stay,
    detail: {
      ...detail,
      verdict: { ...base.detail.verdict!, frozen: [SOURCE_A, SOURCE_B], reasons: riskReasons },
    },
  };
}

/** What runTick journals when the plan is routed to the Safe while an earlier proposal waits for signatures. */
export function proposalPendingDecision(i: number): DecisionRecord {
  const base = decision(i, { outcome: "halted" });
  const wait: Reason[] = [
    {
      code: "PROPOSAL_PENDING",
      message: `Safe proposal 0x${"ef".repeat(32)} is still open; execute or reject it first`,
      severity: "info" as const,
    },
  ];
  return {
    ...base,
    stages: [
      ...base.stages.slice(0, 4),
      { stage: "gasCheck", status: "ok", durationMs: 1, summary: "ok" },
      { stage: "execute", status: "halt", durationMs: 9, summary: wait[0]!.message, reasons: wait },
    ],
    haltReasons: wait,
  };
}
