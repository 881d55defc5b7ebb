import { expect } from "chai";
import { memoryJournal } from "../../../src/backtest/journal.ts";
import { snapshotHash } from "../../../src/domain/commitment.ts";
import type { Action, DecisionRecord, Forecast, GasVerdict, Plan, RiskVerdict } from "../../../src/domain/decision.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import { reason } from "../../../src/domain/reasons.ts";
import { runTick } from "../../../src/pipeline/runTick.ts";
import { halt, ok, type Stage } from "../../../src/pipeline/stage.ts";
import type { Stages } from "../../../src/pipeline/types.ts";
import type { Journal } from "../../../src/ports/journal.ts";
import { fakeClock, snapshot } from "../../support/fakes.ts";

const forecast: Forecast = { horizonDays: 7, forecaster: "mean", modelHash: "mean", sources: {} };
const verdict: RiskVerdict = {
  caps: {},
  frozen: [],
  forcedExits: [],
  minIdleWeight: 0,
  triggers: [],
  metrics: {},
  reasons: [],
};
const plan: Plan = {
  targetWeights: { a: 0.5 },
  moves: [{ sourceId: "a", direction: "deposit", amount: 5n }],
  gainP10Usd: 10,
  gainP50Usd: 20,
  slippageUsd: 0,
  needsApproval: false,
};
const gas: GasVerdict = {
  gasUnits: 100n,
  maxFeePerGasWei: 2n,
  maxPriorityFeePerGasWei: 1n,
  costWei: 200n,
  costUsd: 1,
  gainToCost: 10,
};

function stages(overrides: Partial<Stages> = {}, log: string[] = []): Stages {
  const s = <I, O>(name: string, value: O): Stage<I, O> => ({
    run: async () => {
      log.push(name);
      return ok(value, name);
    },
  });
  return {
    ingest: s("ingest", {
      snapshot: snapshot(),
      history: { asOf: 0, sources: {}, prices: {}, sharePrice: [], incidents: [] },
    }),
    predict: s("predict", forecast),
    riskGate: s("riskGate", verdict),
    optimize: s("optimize", plan),
    gasCheck: s("gasCheck", gas),
    execute: s<unknown, Action>("execute", {
      route: "direct",
      intentId: "t1",
      txHashes: ["0x1"],
      status: "included",
    }) as Stage<never, Action>,
    ...overrides,
  } as Stages;
}

const ctx = { id: "t1", trigger: "manual" as const, configHash: "c", chainId: 31337 };

describe("runTick", () => {
  it("runs the six stages in order and journals one executed record", async () => {
    const journal = memoryJournal();
    const log: string[] = [];
    const rec = await runTick(
      ctx,
      { stages: stages({}, log), journal, clock: fakeClock() },
      new AbortController().signal,
    );
    expect(log).to.deep.equal(["ingest", "predict", "riskGate", "optimize", "gasCheck", "execute"]);
    expect(rec.outcome).to.equal("executed");
    expect(rec.modelHash).to.equal("mean");
    expect(rec.block).to.equal(100);
    expect((await journal.get("t1"))?.outcome).to.equal("executed");
  });

  it("hands execute the decision commitment (snapshot, model and config hashes) the journal records", async () => {
    const journal = memoryJournal();
    let seen: { commitment?: unknown } | undefined;
    let pending: DecisionRecord | undefined;
    const execute: Stage<never, Action> = {
      run: async (intent: { commitment?: unknown }) => {
        seen = intent;
        pending = await journal.get("t1");
        return ok({ route: "direct", intentId: "t1", txHashes: [], status: "sent" }, "sent");
      },
    };
    const rec = await runTick(
      ctx,
      { stages: stages({ execute } as Partial<Stages>), journal, clock: fakeClock() },
      new AbortController().signal,
    );
    expect(rec.snapshotHash).to.equal(snapshotHash(snapshot()));
    expect(rec.snapshotHash).to.match(/^[0-9a-f]{64}$/);
    expect(seen?.commitment).to.deep.equal({ snapshotHash: rec.snapshotHash, modelHash: "mean", configHash: "c" });
    // What goes on-chain is durable in the journal before execute runs (write-ahead), word for word.
    expect(pending?.outcome).to.equal("pending");
    expect({
      snapshotHash: pending?.snapshotHash,
      modelHash: pending?.modelHash,
      configHash: pending?.configHash,
    }).to.deep.equal(seen?.commitment);
    // The hash is of what the stages saw: another block, another hash; the same snapshot in another key order, the same.
    expect(snapshotHash({ ...snapshot(), block: 101 })).to.not.equal(rec.snapshotHash);
    const reordered = Object.fromEntries(Object.entries(snapshot()).reverse()) as ReturnType<typeof snapshot>;
    expect(snapshotHash(reordered)).to.equal(rec.snapshotHash);
  });

  it("records no snapshot hash when ingest failed (nothing was seen to commit to)", async () => {
    const journal = memoryJournal();
    const ingest: Stage<never, never> = {
      run: async () => {
        throw new KeelError("RPC_UNAVAILABLE", "node down", { retryable: true });
      },
    };
    const thrown = await runTick(
      ctx,
      { stages: stages({ ingest } as Partial<Stages>), journal, clock: fakeClock() },
      new AbortController().signal,
    ).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((thrown as KeelError | undefined)?.code).to.equal("RPC_UNAVAILABLE");
    const rec = await journal.get("t1");
    expect(rec?.outcome).to.equal("failed");
    expect(rec).to.not.have.property("snapshotHash");
  });

  it("writes the decision (pending) before execute runs: write-ahead", async () => {
    const journal = memoryJournal();
    let seenBeforeExecute: DecisionRecord | undefined;
    const execute: Stage<never, Action> = {
      run: async () => {
        seenBeforeExecute = await journal.get("t1");
        return ok({ route: "direct", intentId: "t1", txHashes: [], status: "sent" }, "sent");
      },
    };
    await runTick(
      ctx,
      { stages: stages({ execute } as Partial<Stages>), journal, clock: fakeClock() },
      new AbortController().signal,
    );
    expect(seenBeforeExecute?.outcome).to.equal("pending");
    expect(seenBeforeExecute?.stages.map((s) => s.stage)).to.deep.equal([
      "ingest",
      "predict",
      "riskGate",
      "optimize",
      "gasCheck",
    ]);
  });

  it("a halt is an answer: recorded as halted with its reasons, later stages not run, no error", async () => {
    const journal = memoryJournal();
    const log: string[] = [];
    const riskGate: Stage<never, RiskVerdict> = {
      run: async () => halt([reason("DEPEG_PAUSE", "USDC at 0.94", { severity: "halt" })]),
    };
    const rec = await runTick(
      ctx,
      { stages: stages({ riskGate } as Partial<Stages>, log), journal, clock: fakeClock() },
      new AbortController().signal,
    );
    expect(rec.outcome).to.equal("halted");
    expect(rec.haltReasons.map((r) => r.code)).to.deep.equal(["DEPEG_PAUSE"]);
    expect(log).to.deep.equal(["ingest", "predict"]);
    expect(rec.stages.at(-1)).to.include({ stage: "riskGate", status: "halt" });
  });

  it("a failure is journaled as failed with the error code, then rethrown", async () => {
    const journal: Journal = memoryJournal();
    const gasCheck: Stage<never, GasVerdict> = {
      run: async () => {
        throw new KeelError("RPC_TIMEOUT", "node did not answer", { retryable: true });
      },
    };
    const p = runTick(
      ctx,
      { stages: stages({ gasCheck } as Partial<Stages>), journal, clock: fakeClock() },
      new AbortController().signal,
    );
    await p.then(
      () => expect.fail("should throw"),
      (err) => expect((err as KeelError).code).to.equal("RPC_TIMEOUT"),
    );
    const rec = await journal.get("t1");
    expect(rec?.outcome).to.equal("failed");
    expect(rec?.stages.at(-1)).to.deep.include({
      stage: "gasCheck",
      status: "error",
      error: { code: "RPC_TIMEOUT", message: "node did not answer", retryable: true },
    });
  });

  it("an aborted tick stops before the next stage", async () => {
    const journal = memoryJournal();
    const controller = new AbortController();
    const log: string[] = [];
    const predict: Stage<never, Forecast> = {
      run: async () => {
        log.push("predict");
        controller.abort(new Error("shutdown"));
        return ok(forecast, "p");
      },
    };
    await runTick(
      ctx,
      { stages: stages({ predict } as Partial<Stages>, log), journal, clock: fakeClock() },
      controller.signal,
    ).catch(() => {});
    expect(log).to.deep.equal(["ingest", "predict"]);
    expect((await journal.get("t1"))?.outcome).to.equal("failed");
  });
});
