import { snapshotHash as hashSnapshot } from "../domain/commitment.ts";
import type { DecisionRecord, GasVerdict, Plan, StageName, StageRecord } from "../domain/decision.ts";
import { describeError } from "../domain/errors.ts";
import type { Reason } from "../domain/reasons.ts";
import type { Snapshot } from "../domain/snapshot.ts";
import type { Clock } from "../ports/clock.ts";
import type { Journal } from "../ports/journal.ts";
import type { StageResult } from "./stage.ts";
import type { Stages } from "./types.ts";

/** Per-tick facts that are not stage outputs. */
export interface TickContext {
  readonly id: string;
  readonly trigger: DecisionRecord["trigger"];
  readonly configHash: string;
  readonly chainId: number;
}

/** Observers of a tick (metrics and logs live outside the pipeline). */
export interface TickObserver {
  onStage?(stage: StageName, record: StageRecord): void;
}

export interface RunTickDeps {
  readonly stages: Stages;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly observer?: TickObserver;
}

class Halted extends Error {}

/**
 * Runs one stage: its record (duration, summary, reasons or error) goes to `state` and the observer; a halt's
 * reasons go to `state.haltReasons` and end the tick (`Halted`); an error is recorded and rethrown.
 */
async function runStage<T>(
  state: { stageRecords: StageRecord[]; haltReasons: Reason[] },
  { clock, observer }: RunTickDeps,
  signal: AbortSignal,
  stage: StageName,
  run: () => Promise<StageResult<T>>,
): Promise<T> {
  signal.throwIfAborted();
  const t0 = clock.now();
  let result: StageResult<T>;
  try {
    result = await run();
  } catch (err) {
    const rec: StageRecord = {
      stage,
      status: "error",
      durationMs: clock.now() - t0,
      summary: "failed",
      error: describeError(err),
    };
    state.stageRecords.push(rec);
    observer?.onStage?.(stage, rec);
    throw err;
  }
  const base = { stage, durationMs: clock.now() - t0, summary: result.summary };
  const rec: StageRecord =
    result.status === "ok"
      ? { ...base, status: "ok", ...(result.reasons ? { reasons: result.reasons } : {}) }
      : { ...base, status: "halt", reasons: result.reasons };
  state.stageRecords.push(rec);
  observer?.onStage?.(stage, rec);
  if (result.status === "halt") {
    state.haltReasons.push(...result.reasons);
    throw new Halted();
  }
  return result.value;
}

type Detail = DecisionRecord["detail"];

/** What the journal keeps of the snapshot: the vault's figures (amounts as strings), the allocation and the rates. */
function snapshotDetail(snapshot: Snapshot): Detail {
  return {
    snapshot: {
      block: snapshot.block,
      timestamp: snapshot.timestamp,
      totalAssets: snapshot.vault.totalAssets.toString(),
      idle: snapshot.vault.idle.toString(),
      paused: snapshot.vault.paused,
      keeperBalanceWei: snapshot.keeperBalanceWei.toString(),
      asset: { symbol: snapshot.baseAsset.symbol, decimals: snapshot.baseAsset.decimals },
    },
    allocation: Object.fromEntries(snapshot.sources.map((s) => [s.id, s.balance.toString()])),
    rates: Object.fromEntries(snapshot.sources.map((s) => [s.id, s.aprPct])),
  };
}

/** What the journal keeps of the plan (amounts as strings). */
function planDetail(plan: Plan): NonNullable<Detail["plan"]> {
  return {
    targetWeights: { ...plan.targetWeights },
    moves: plan.moves.map((m) => ({ sourceId: m.sourceId, direction: m.direction, amount: m.amount.toString() })),
    gainP10Usd: plan.gainP10Usd,
    gainP50Usd: plan.gainP50Usd,
    ...(plan.rerange ? { rerange: plan.rerange } : {}),
  };
}

/** What the journal keeps of the gas verdict (amounts as strings). */
function gasDetail(gas: GasVerdict): NonNullable<Detail["gas"]> {
  return {
    gasUnits: gas.gasUnits.toString(),
    costUsd: gas.costUsd,
    gainToCost: gas.gainToCost,
    maxFeePerGasWei: gas.maxFeePerGasWei.toString(),
  };
}

/**
 * Runs one tick through the six stages and journals one decision record. The record is written
 * (durably) with outcome `pending` before execute runs, so a crash can never send an intent the
 * journal does not know about; it is completed afterwards.
 */
export async function runTick(ctx: TickContext, deps: RunTickDeps, signal: AbortSignal): Promise<DecisionRecord> {
  const { stages, journal, clock } = deps;
  const stageRecords: StageRecord[] = [];
  const haltReasons: Reason[] = [];
  let detail: DecisionRecord["detail"] = {};
  let modelHash = "";
  let snapshotHash: string | undefined;
  let block: number | null = null;

  const record = (outcome: DecisionRecord["outcome"]): DecisionRecord => ({
    id: ctx.id,
    trigger: ctx.trigger,
    startedAt: startedAt,
    configHash: ctx.configHash,
    modelHash,
    ...(snapshotHash === undefined ? {} : { snapshotHash }),
    chainId: ctx.chainId,
    block,
    outcome,
    stages: [...stageRecords],
    haltReasons: [...haltReasons],
    detail,
  });

  const step = <T>(stage: StageName, run: () => Promise<StageResult<T>>) =>
    runStage({ stageRecords, haltReasons }, deps, signal, stage, run);

  const startedAt = clock.now();
  try {
    const observed = await step("ingest", () => stages.ingest.run(undefined, signal));
    const { snapshot } = observed;
    block = snapshot.block;
    snapshotHash = hashSnapshot(snapshot);
    detail = snapshotDetail(snapshot);
    const forecast = await step("predict", () => stages.predict.run(observed, signal));
    modelHash = forecast.modelHash;
    detail = { ...detail, forecast };
    const verdict = await step("riskGate", () => stages.riskGate.run({ ...observed, forecast }, signal));
    detail = { ...detail, verdict };
    const plan = await step("optimize", () => stages.optimize.run({ ...observed, forecast, verdict }, signal));
    detail = { ...detail, plan: planDetail(plan) };
    const gas = await step("gasCheck", () => stages.gasCheck.run({ snapshot, plan }, signal));
    detail = { ...detail, gas: gasDetail(gas) };
    // Write-ahead: the decision is durable before anything is signed or sent.
    await journal.put(record("pending"));
    const action = await step("execute", () =>
      stages.execute.run(
        {
          id: ctx.id,
          decisionId: ctx.id,
          plan,
          gas,
          snapshot,
          commitment: { snapshotHash: snapshotHash ?? "", modelHash, configHash: ctx.configHash },
        },
        signal,
      ),
    );
    detail = { ...detail, action };
    const done = record(action.status === "failed" ? "failed" : "executed");
    await journal.put(done);
    return done;
  } catch (err) {
    const final = record(err instanceof Halted ? "halted" : "failed");
    await journal.put(final);
    if (err instanceof Halted) return final;
    throw err;
  }
}
