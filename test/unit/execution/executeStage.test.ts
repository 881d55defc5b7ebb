import { expect } from "chai";
import type { Action } from "../../../src/domain/decision.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import { createExecuteStage } from "../../../src/pipeline/execute/execute.ts";
import type { Executor, Intent } from "../../../src/ports/execution.ts";

function intent(moves: Intent["plan"]["moves"]): Intent {
  return {
    id: "d-1",
    decisionId: "d-1",
    plan: { targetWeights: {}, moves, gainP10Usd: 1, gainP50Usd: 2, slippageUsd: 0, needsApproval: false },
    gas: { gasUnits: 1n, maxFeePerGasWei: 1n, maxPriorityFeePerGasWei: 1n, costWei: 1n, costUsd: 0, gainToCost: 10 },
    snapshot: { baseAsset: { symbol: "USDC", decimals: 6, priceUsd: 1 } } as Intent["snapshot"],
  };
}

function recordingExecutor(): Executor & { calls: Intent[] } {
  const calls: Intent[] = [];
  return {
    calls,
    async execute(i: Intent): Promise<Action> {
      calls.push(i);
      return { route: "direct", intentId: i.id, txHashes: ["0xabc"], status: "included", block: 7 };
    },
  };
}

const signal = new AbortController().signal;
const move = {
  sourceId: "0x1111111111111111111111111111111111111111",
  direction: "deposit",
  amount: 5_250_000n,
} as const;

describe("execute stage", () => {
  it("hands a non-empty plan to the executor and passes its Action on", async () => {
    const executor = recordingExecutor();
    const out = await createExecuteStage({ dryRun: false }, { executor }).run(intent([move]), signal);
    expect(executor.calls).to.have.length(1);
    expect(out.status).to.equal("ok");
    if (out.status === "ok") {
      expect(out.value.txHashes).to.deep.equal(["0xabc"]);
      // In the base asset's units, not base units.
      expect(out.summary).to.contain("deposit 5.25 USDC to 0x1111");
    }
  });

  it("in shadow mode records the route it would take (route shadow, status recorded) and calls no executor", async () => {
    const executor = recordingExecutor();
    const asked: string[] = [];
    const routeFor = async (i: Intent) => {
      asked.push(i.id);
      return "bundle";
    };
    const out = await createExecuteStage({ dryRun: false, shadow: true }, { executor, routeFor }).run(
      intent([move]),
      signal,
    );
    expect(executor.calls).to.have.length(0);
    expect(asked).to.deep.equal(["d-1"]);
    expect(out.status === "ok" && out.value).to.deep.equal({
      route: "shadow",
      intentId: "d-1",
      txHashes: [],
      status: "recorded",
      wouldRoute: "bundle",
    });
    expect(out.summary).to.equal("shadow: would have sent 1 move(s) via bundle: deposit 5.25 USDC to " + move.sourceId);
  });

  it("in dry-run records what would be sent (route dry-run, status recorded) and calls no executor", async () => {
    const executor = recordingExecutor();
    const out = await createExecuteStage({ dryRun: true }, { executor }).run(intent([move]), signal);
    expect(executor.calls).to.have.length(0);
    expect(out.status === "ok" && out.value).to.deep.equal({
      route: "dry-run",
      intentId: "d-1",
      txHashes: [],
      status: "recorded",
    });
    expect(out.summary).to.contain("would send 1 move");
  });

  it("halts with NO_MOVES for an empty plan and executes nothing", async () => {
    const executor = recordingExecutor();
    const out = await createExecuteStage({ dryRun: false }, { executor }).run(intent([]), signal);
    expect(out.status).to.equal("halt");
    expect(out.status === "halt" && out.reasons[0]?.code).to.equal("NO_MOVES");
    expect(executor.calls).to.have.length(0);
  });

  it("does not call the executor when the tick is already aborted", async () => {
    const executor = recordingExecutor();
    const ac = new AbortController();
    ac.abort(new Error("tick timeout"));
    const err = await createExecuteStage({ dryRun: false }, { executor })
      .run(intent([move]), ac.signal)
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
    expect(executor.calls).to.have.length(0);
  });

  it("a Safe proposal still waiting for signatures is a wait: the tick halts with PROPOSAL_PENDING, no error", async () => {
    // What the Safe executor says when the plan is routed to the Safe while an earlier proposal is open.
    const waiting: Executor = {
      async execute() {
        throw new KeelError("PROPOSAL_PENDING", "Safe proposal 0xabc is still open; execute or reject it first", {
          retryable: true,
          context: { safeTxHash: "0xabc", nonce: 3 },
        });
      },
    };
    const out = await createExecuteStage({ dryRun: false }, { executor: waiting })
      .run(intent([move]), signal)
      .catch((e: unknown) => e);
    expect(out, String(out)).to.deep.include({ status: "halt" });
    const r = (out as { reasons: { code: string; message: string; severity: string }[] }).reasons;
    expect(r).to.have.length(1);
    expect(r[0]).to.deep.include({ code: "PROPOSAL_PENDING", severity: "info" });
    expect(r[0]?.message).to.contain("0xabc is still open");
  });

  it("a real executor failure still fails the tick (EXECUTION_REVERTED is thrown)", async () => {
    const failing: Executor = {
      async execute() {
        throw new KeelError("EXECUTION_REVERTED", "rebalance reverted at simulate: MoveTooLarge", { retryable: false });
      },
    };
    const err = await createExecuteStage({ dryRun: false }, { executor: failing })
      .run(intent([move]), signal)
      .catch((e: unknown) => e);
    expect((err as KeelError).code).to.equal("EXECUTION_REVERTED");
  });
});
