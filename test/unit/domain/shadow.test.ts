import { expect } from "chai";
import { formatStatus } from "../../../src/cli/status.ts";
import type { DecisionRecord, StageRecord } from "../../../src/domain/decision.ts";
import type { Reason } from "../../../src/domain/reasons.ts";
import { nearMisses, nearMissOf, wouldHaveSent } from "../../../src/domain/shadow.ts";
import { createApiRoutes } from "../../../src/observability/api.ts";
import { buildStatusView, type StatusView } from "../../../src/observability/statusView.ts";
import { reportFromDecisions } from "../../../src/report/fromJournal.ts";
import { renderReport } from "../../../src/report/html.ts";

const SRC = "0x1111111111111111111111111111111111111111";
const plan = {
  targetWeights: { [SRC]: 0.3 },
  moves: [{ sourceId: SRC, direction: "deposit", amount: "5250000" }],
  gainP10Usd: 90,
  gainP50Usd: 120,
};
const snapshot = { block: 10, timestamp: 1_700_000_000, totalAssets: "100000000", idle: "50000000", paused: false };

function rec(
  id: string,
  outcome: DecisionRecord["outcome"],
  haltReasons: Reason[],
  detail: DecisionRecord["detail"] = {},
  stages: StageRecord[] = [],
): DecisionRecord {
  return {
    id,
    trigger: "manual",
    startedAt: 1_700_000_000_000,
    configHash: "c",
    modelHash: "m",
    chainId: 31337,
    block: 10,
    outcome,
    stages,
    haltReasons,
    detail: { snapshot, ...detail },
  };
}
const halt = (code: Reason["code"], value?: number, limit?: number): Reason => ({
  code,
  message: `${code} says no`,
  severity: "halt",
  ...(value === undefined ? {} : { value }),
  ...(limit === undefined ? {} : { limit }),
});
const gasHalt: StageRecord = { stage: "gasCheck", status: "halt", durationMs: 1, summary: "" };

const shadowDecision = rec(
  "shadow-1",
  "executed",
  [],
  {
    plan,
    gas: { gasUnits: "300000", costUsd: 3, gainToCost: 30, maxFeePerGasWei: "1" },
    action: { route: "shadow", intentId: "shadow-1", txHashes: [], status: "recorded", wouldRoute: "direct" },
  },
  [{ stage: "execute", status: "ok", durationMs: 1, summary: "shadow: would have sent 1 move(s)" }],
);

describe("shadow decisions and near-misses (src/domain/shadow.ts)", () => {
  it("lists a shadow decision with the route and moves it would have sent, and nothing else", () => {
    const live: DecisionRecord = {
      ...shadowDecision,
      id: "live-1",
      detail: {
        ...shadowDecision.detail,
        action: { route: "direct", intentId: "live-1", txHashes: ["0xabc"], status: "included" },
      },
    };
    expect(wouldHaveSent([shadowDecision, live])).to.deep.equal([
      {
        decisionId: "shadow-1",
        startedAt: shadowDecision.startedAt,
        block: 10,
        route: "direct",
        moves: plan.moves,
        gainP10Usd: 90,
        costUsd: 3,
        gainToCost: 30,
      },
    ]);
  });

  it("a gain/cost just under its threshold is a threshold near-miss; one far under is not", () => {
    // k × cost = $100: a P10 gain of $80 is 20 % short (within 25 %), $50 is 50 % short.
    const close = rec("close", "halted", [halt("GAIN_BELOW_COST", 80, 100)], { plan }, [gasHalt]);
    const far = rec("far", "halted", [halt("GAIN_BELOW_COST", 50, 100)], { plan }, [gasHalt]);
    expect(nearMissOf(close)).to.deep.include({ kind: "threshold", code: "GAIN_BELOW_COST", value: 80, limit: 100 });
    expect(nearMissOf(close)?.stage).to.equal("gasCheck");
    expect(nearMissOf(far)).to.equal(undefined);
  });

  it("a plan stopped by one unmeasured reason is a bound near-miss; two reasons or no plan are not", () => {
    const one = rec("one", "halted", [halt("SIMULATION_REVERTED")], { plan }, [gasHalt]);
    const two = rec("two", "halted", [halt("SIMULATION_REVERTED"), halt("FEE_CAP", 200, 100)], { plan });
    const noPlan = rec("no-plan", "halted", [halt("STAY")]);
    expect(nearMissOf(one)).to.deep.include({ kind: "bound", code: "SIMULATION_REVERTED" });
    expect(nearMissOf(two)).to.equal(undefined);
    expect(nearMissOf(noPlan)).to.equal(undefined);
  });

  it("info reasons beside the one halt do not count; a cap that cut a plan that moved is a cap near-miss", () => {
    const withInfo = rec("info", "halted", [
      { code: "CAP_BOUND", message: "cap", severity: "info" },
      halt("COOLDOWN", 3_000, 3_600),
    ]);
    expect(nearMissOf(withInfo)).to.deep.include({ kind: "threshold", code: "COOLDOWN" });
    const capped = {
      ...shadowDecision,
      stages: [
        {
          stage: "optimize" as const,
          status: "ok" as const,
          durationMs: 1,
          summary: "",
          reasons: [{ code: "MOVE_LIMIT" as const, message: "plan shortened", severity: "info" as const }],
        },
      ],
    };
    expect(nearMissOf(capped)).to.deep.include({ kind: "cap", code: "MOVE_LIMIT", stage: "optimize" });
    expect(nearMissOf(shadowDecision)).to.equal(undefined);
    expect(nearMisses([capped, withInfo, shadowDecision]).map((m) => m.decisionId)).to.deep.equal(["shadow-1", "info"]);
  });

  it("feeds `keel report`: shadow decisions and near-misses in their own section, none counted as rebalances", () => {
    const close = rec("close", "halted", [halt("GAIN_BELOW_COST", 80, 100)], { plan }, [gasHalt]);
    const data = reportFromDecisions([shadowDecision, close], { baseSymbol: "USDC", decimals: 6, now: 0 });
    expect(data.gas.rebalances).to.equal(0);
    expect(data.shadow?.shadowDecisions).to.equal(1);
    expect(data.shadow?.wouldHave[0]?.moves[0]?.amount).to.equal("5.25");
    expect(data.shadow?.nearMisses.map((m) => m.code)).to.deep.equal(["GAIN_BELOW_COST"]);
    const html = renderReport(data);
    expect(html).to.contain('<section id="shadow">');
    expect(html).to.contain(`deposit 5.25 USDC to ${SRC.slice(0, 6)}`);
    expect(html).to.contain("<code>GAIN_BELOW_COST</code>");
    expect(html).to.contain("1 decision(s) taken in shadow mode");
  });

  it("serves /api/v1/shadow: the mode, would-have decisions and near-misses among the last N decisions", async () => {
    const close = rec("close", "halted", [halt("GAIN_BELOW_COST", 80, 100)], { plan }, [gasHalt]);
    const journal = {
      get: async () => undefined,
      recent: async (n: number) => [shadowDecision, close].slice(0, n),
    };
    const route = createApiRoutes({ journal, status: async () => ({}) as StatusView, executionMode: "shadow" }).find(
      (r) => r.path === "/api/v1/shadow",
    )!;
    const get = async (q: string) => {
      const res = await route.handler({} as never, new URL(`http://x/api/v1/shadow${q}`), null);
      return { status: res.status, body: JSON.parse(String(res.body)) };
    };
    const all = await get("");
    expect(all.status).to.equal(200);
    expect(all.body.mode).to.equal("shadow");
    expect(all.body.decisions).to.equal(2);
    expect(all.body.wouldHave.map((w: { decisionId: string }) => w.decisionId)).to.deep.equal(["shadow-1"]);
    expect(all.body.nearMisses.map((m: { code: string }) => m.code)).to.deep.equal(["GAIN_BELOW_COST"]);
    expect((await get("?limit=1")).body.nearMisses).to.deep.equal([]);
    expect((await get("?limit=x")).status).to.equal(400);
  });

  it("`keel status` says shadow mode loudly, and nothing when live", () => {
    const facts = { version: "v", chainId: 1, mode: "live" as const, dryRun: false, configHash: "h" };
    const view = (executionMode: "shadow" | "live") =>
      buildStatusView([shadowDecision], { ...facts, executionMode }, { intents: 0, proposals: 0 }, 0);
    expect(view("shadow").executionMode).to.equal("shadow");
    expect(formatStatus(view("shadow"), "running", "u")).to.match(/^mode {7}SHADOW: .*sends nothing/m);
    expect(formatStatus(view("live"), "running", "u")).to.not.contain("SHADOW");
  });
});
