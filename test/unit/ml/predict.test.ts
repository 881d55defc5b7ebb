import { expect } from "chai";
import type { SourceForecast } from "../../../src/domain/decision.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import type { SkillView } from "../../../src/domain/skill.ts";
import { unseenInput } from "../../../src/ml/inputs.ts";
import { memorySkillStore } from "../../../src/pipeline/predict/ledger.ts";
import { createPredictStage } from "../../../src/pipeline/predict/predict.ts";
import type { Forecaster, ForecastInput } from "../../../src/ports/forecaster.ts";
import { hourly, observed, predictOptions } from "./helpers.ts";

const T0 = Date.UTC(2024, 0, 1) / 1000;
const DAY = 86_400;
const signal = new AbortController().signal;

/** A forecaster that answers `p50(sourceId, input)` for every source, with a ±1 band. */
function fixed(name: string, p50: (id: string, input: ForecastInput) => number, fail?: Error): Forecaster {
  return {
    name,
    hash: `${name}-hash`,
    async forecast(input) {
      if (fail) throw fail;
      const out: Record<string, SourceForecast> = {};
      for (const s of input.snapshot.sources) {
        const v = p50(s.id, input);
        out[s.id] = { sourceId: s.id, p10: v - 1, p50: v, p90: v + 1 };
      }
      return out;
    },
  };
}

const baseline = fixed("persistence", (id, i) => i.snapshot.sources.find((s) => s.id === id)!.aprPct);
/** Fast skill and calibration settings for one-day horizons. */
const fast = predictOptions(1, { skill: { windowDays: 7, minScored: 3 }, calibration: { minScored: 5 } });

/** Runs the stage at 00:00 UTC of `days`, each tick seeing the history up to then; returns the results. */
async function daily(stage: ReturnType<typeof createPredictStage>, days: number[], rate = () => 3) {
  const history = { a: hourly(T0, 24 * 40, rate), b: hourly(T0, 24 * 40, rate) };
  const out = [];
  for (const day of days) {
    const at = T0 + day * DAY;
    const cut = Object.fromEntries(Object.entries(history).map(([k, v]) => [k, v.filter((p) => p.t <= at)]));
    const r = await stage.run(observed(at, cut), signal);
    if (r.status !== "ok") throw new Error("expected ok");
    out.push(r);
  }
  return out;
}

describe("predict stage", () => {
  const input = observed(T0 + 10 * DAY, { a: hourly(T0, 240, () => 3) });

  it("serves the model by the kind's prior while no skill is measured, and records its hash", async () => {
    const stage = createPredictStage(predictOptions(7), { model: fixed("model", () => 4), baseline });
    const r = await stage.run(input, signal);
    if (r.status !== "ok") throw new Error("expected ok");
    expect(r.value).to.deep.include({ forecaster: "model", modelHash: "model-hash", horizonDays: 7 });
    expect(r.value.fallbackReason).to.equal(undefined);
    expect(r.value.sources.a).to.deep.include({ p50: 4, forecaster: "model" });
  });

  it("lets the other forecasters serve, with the reason, when the model is missing", async () => {
    const stage = createPredictStage(predictOptions(7), {
      model: undefined,
      modelUnavailableReason: "model.onnx not found",
      baseline,
    });
    const r = await stage.run(input, signal);
    if (r.status !== "ok") throw new Error("expected ok");
    expect(r.value).to.deep.include({ forecaster: "persistence", modelHash: "persistence-hash" });
    expect(r.value.fallbackReason).to.equal("model.onnx not found");
    expect(r.reasons?.[0]?.code).to.equal("MODEL_UNAVAILABLE");
  });

  it("lets the other forecasters serve when the model throws", async () => {
    const model = fixed("model", () => 0, new KeelError("ONNX_RUN", "session closed"));
    const r = await createPredictStage(predictOptions(7), { model, baseline }).run(input, signal);
    if (r.status !== "ok") throw new Error("expected ok");
    expect(r.value.forecaster).to.equal("persistence");
    expect(r.value.fallbackReason).to.match(/model failed: \[ONNX_RUN\] session closed/);
    expect(r.reasons?.[0]?.code).to.equal("MODEL_FAILED");
  });

  it("falls back per source, not pooled: the model keeps the source it forecasts best", async () => {
    // The rate stays at 3. The model is 2 points off on a and exact on b; the baseline is exact on a and
    // 1 point off on b. Pooled, the model's error (1.0) exceeds the baseline's (0.5) and a pooled rule
    // would drop the model everywhere; per source, a goes to the baseline and b stays with the model.
    const model = fixed("model", (id) => (id === "a" ? 5 : 3));
    const base = fixed("mean", (id) => (id === "a" ? 3 : 4));
    const results = await daily(
      createPredictStage(fast, { model, baseline: base }),
      [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23],
    );
    const first = results[0]!;
    if (first.status !== "ok") throw new Error("expected ok");
    expect(first.value.sources.a!.forecaster).to.equal("model");
    const last = results.at(-1)!;
    if (last.status !== "ok") throw new Error("expected ok");
    expect(last.value.sources.a!.forecaster).to.equal("mean");
    expect(last.value.sources.b!.forecaster).to.equal("model");
    expect(last.value.forecaster).to.equal("per-source");
    const why = last.reasons?.find((x) => x.code === "FORECASTER_BY_SKILL");
    expect(why).to.deep.include({ sourceId: "a" });
    expect(why?.message).to.match(
      /^a forecast by mean: MAE 2\.000 points below model's over \d+ realised horizons \(Diebold-Mariano z = -Infinity\)$/,
    );
  });

  it("keeps the skill ledger across a restart through its store", async () => {
    const store = memorySkillStore();
    const deps = { model: fixed("model", () => 5), baseline: fixed("mean", () => 3), ledger: store };
    await daily(createPredictStage(fast, deps), [10, 11, 12, 13, 14, 15]);
    expect(store.entries.size).to.be.greaterThan(0);
    const [after] = await daily(createPredictStage(fast, deps), [16]);
    if (after?.status !== "ok") throw new Error("expected ok");
    expect(after.value.sources.a!.forecaster).to.equal("mean");
  });

  it("never serves the model on a source whose rate measure it was not trained on, and says why", async () => {
    const inputs = [{ kind: "lending", protocol: "aave-v3", rate: "Aave supply APR" }];
    const model = {
      ...fixed("model", () => 4),
      declines: (s: { kind: string; protocol: string }) => unseenInput(inputs, s),
    };
    const history = { lend: hourly(T0, 240, () => 3), pair: hourly(T0, 240, () => 3), vault: hourly(T0, 240, () => 3) };
    const r = await createPredictStage(predictOptions(7), { model, baseline }).run(
      observed(T0 + 10 * DAY, history, {
        pair: { kind: "lp", protocol: "uniswap-v2" },
        vault: { kind: "vault", protocol: "erc4626" },
      }),
      signal,
    );
    if (r.status !== "ok") throw new Error("expected ok");
    expect(r.value.sources.lend!.forecaster).to.equal("model");
    expect(r.value.sources.pair!.forecaster).to.equal("persistence");
    expect(r.value.sources.vault!.forecaster).to.equal("persistence");
    const unseen = (r.reasons ?? []).filter((x) => x.code === "MODEL_INPUT_UNSEEN");
    expect(unseen.map((x) => x.sourceId)).to.deep.equal(["pair", "vault"]);
    expect(unseen[0]!.message).to.match(/trained on no lp source/);
    expect(unseen[1]!.message).to.match(/trained on no vault source/);
  });

  it("calibrates the served band on the source's realised horizons and keeps the raw band beside it", async () => {
    // Every horizon realises exactly 3 while the band says 2..4: calibration closes it on the median.
    const views: SkillView[] = [];
    const stage = createPredictStage(fast, { model: fixed("model", () => 3), baseline, onSkill: (v) => views.push(v) });
    const results = await daily(stage, [10, 11, 12, 13, 14, 15, 16, 17]);
    const first = results[0]!;
    const last = results.at(-1)!;
    if (first.status !== "ok" || last.status !== "ok") throw new Error("expected ok");
    expect(first.value.sources.a).to.deep.include({ p10: 2, p90: 4 });
    expect(last.value.sources.a!.p10).to.be.closeTo(3, 1e-9);
    expect(last.value.sources.a!.p90).to.be.closeTo(3, 1e-9);
    expect(last.value.sources.a!.uncalibrated).to.deep.equal({ p10: 2, p90: 4 });
    const a = views.at(-1)!.sources.find((s) => s.sourceId === "a")!;
    expect(a.calibration.scored).to.be.at.least(5);
    expect(a.scores.served!.n).to.be.greaterThan(0);
    expect(a.scores.persistence!.mae).to.equal(0);
  });

  it("forecasts a source with less history than the model needs by another forecaster, saying so, and keeps the model for the others", async () => {
    const model = { ...fixed("model", () => 4), minHistoryDays: 88 };
    const perSource: Forecaster = {
      name: "best",
      hash: "best",
      async forecast(i) {
        return Object.fromEntries(
          i.snapshot.sources.map((s) => [
            s.id,
            { sourceId: s.id, p10: 2, p50: 3, p90: 4, forecaster: `ema-for-${s.id}` },
          ]),
        );
      },
    };
    const at = T0 + 100 * DAY;
    const r = await createPredictStage(predictOptions(7), { model, baseline: perSource }).run(
      observed(at, { old: hourly(T0, 100 * 24, () => 3), young: hourly(at - 2 * DAY, 49, () => 3) }),
      signal,
    );
    if (r.status !== "ok") throw new Error("expected ok");
    expect(r.value.forecaster).to.equal("per-source");
    expect(r.value.fallbackReason).to.equal(undefined);
    expect(r.value.sources.old).to.deep.include({ p50: 4, forecaster: "model" });
    expect(r.value.sources.young).to.deep.include({ p50: 3, forecaster: "ema-for-young" });
    const short = r.reasons?.filter((x) => x.code === "HISTORY_SHORT") ?? [];
    expect(short).to.have.length(1);
    expect(short[0]).to.deep.include({ sourceId: "young", value: 2, limit: 88, severity: "warn" });
    expect(short[0]?.message).to.equal(
      "young has 2.0 of the 88 days of history the model needs; forecast by ema-for-young until it has",
    );
  });
});
