import { expect } from "chai";
import type { SourceForecast } from "../../../src/domain/decision.ts";
import { KeelError } from "../../../src/domain/errors.ts";
import { createPredictStage } from "../../../src/pipeline/predict/predict.ts";
import type { Forecaster, ForecastInput } from "../../../src/ports/forecaster.ts";
import { hourly, observed } from "./helpers.ts";

const T0 = Date.UTC(2024, 0, 1) / 1000;
const signal = new AbortController().signal;

/** A forecaster that answers `p50(input)` for every source. */
function fixed(name: string, p50: (input: ForecastInput) => number, fail?: Error): Forecaster {
  return {
    name,
    hash: `${name}-hash`,
    async forecast(input) {
      if (fail) throw fail;
      const out: Record<string, SourceForecast> = {};
      for (const s of input.snapshot.sources) {
        const v = p50(input);
        out[s.id] = { sourceId: s.id, p10: v - 1, p50: v, p90: v + 1 };
      }
      return out;
    },
  };
}

const baseline = fixed("persistence", (i) => i.snapshot.sources[0]!.aprPct);

describe("predict stage", () => {
  const input = observed(T0 + 10 * 86_400, { a: hourly(T0, 240, () => 3) });

  it("uses the model when there is one and records its hash", async () => {
    const stage = createPredictStage({ horizonDays: 7 }, { model: fixed("model", () => 4), baseline });
    const r = await stage.run(input, signal);
    expect(r.status).to.equal("ok");
    if (r.status !== "ok") return;
    expect(r.value).to.deep.include({ forecaster: "model", modelHash: "model-hash", horizonDays: 7 });
    expect(r.value.fallbackReason).to.equal(undefined);
    expect(r.value.sources.a!.p50).to.equal(4);
  });

  it("falls back to the baseline with the given reason when the model is missing", async () => {
    const stage = createPredictStage(
      { horizonDays: 7 },
      { model: undefined, modelUnavailableReason: "model.onnx not found", baseline },
    );
    const r = await stage.run(input, signal);
    if (r.status !== "ok") throw new Error("expected ok");
    expect(r.value).to.deep.include({ forecaster: "persistence", modelHash: "persistence-hash" });
    expect(r.value.fallbackReason).to.equal("model.onnx not found");
    expect(r.reasons?.[0]?.code).to.equal("MODEL_UNAVAILABLE");
  });

  it("falls back to the baseline when the model throws", async () => {
    const model = fixed("model", () => 0, new KeelError("ONNX_RUN", "session closed"));
    const r = await createPredictStage({ horizonDays: 7 }, { model, baseline }).run(input, signal);
    if (r.status !== "ok") throw new Error("expected ok");
    expect(r.value.forecaster).to.equal("persistence");
    expect(r.value.fallbackReason).to.match(/model failed: \[ONNX_RUN\] session closed/);
    expect(r.reasons?.[0]?.code).to.equal("MODEL_FAILED");
  });

  it("falls back once the model's live error over recent horizons exceeds the baseline's", async () => {
    // The rate stays at 3: the baseline is exact, the model is 2 points off.
    const stage = createPredictStage(
      { horizonDays: 1, driftHorizons: 4, driftMinSamples: 3 },
      { model: fixed("model", () => 5), baseline },
    );
    const history = hourly(T0, 24 * 30, () => 3);
    const results = [];
    for (let day = 10; day < 16; day++) {
      const at = T0 + day * 86_400;
      results.push(await stage.run(observed(at, { a: history.filter((p) => p.t <= at) }), signal));
    }
    const forecasters = results.map((r) => (r.status === "ok" ? r.value.forecaster : "halt"));
    expect(forecasters.slice(0, 3)).to.deep.equal(["model", "model", "model"]);
    expect(forecasters[5]).to.equal("persistence");
    const last = results[5]!;
    if (last.status !== "ok") throw new Error("expected ok");
    expect(last.value.fallbackReason).to.match(/model live MAE 2\.000 .* exceeds persistence's 0\.000/);
    expect(last.reasons?.[0]?.code).to.equal("MODEL_DRIFT");
  });

  it("keeps the model when it beats the baseline live", async () => {
    const stage = createPredictStage(
      { horizonDays: 1, driftMinSamples: 1 },
      { model: fixed("model", () => 3), baseline: fixed("mean", () => 9) },
    );
    const history = hourly(T0, 24 * 30, () => 3);
    let last: string | undefined;
    for (let day = 10; day < 16; day++) {
      const at = T0 + day * 86_400;
      const r = await stage.run(observed(at, { a: history.filter((p) => p.t <= at) }), signal);
      last = r.status === "ok" ? r.value.forecaster : "halt";
    }
    expect(last).to.equal("model");
  });

  it("forecasts a source with less history than the model needs by the baseline, saying so, and keeps the model for the others", async () => {
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
    const at = T0 + 100 * 86_400;
    const r = await createPredictStage({ horizonDays: 7 }, { model, baseline: perSource }).run(
      observed(at, { old: hourly(T0, 100 * 24, () => 3), young: hourly(at - 2 * 86_400, 49, () => 3) }),
      signal,
    );
    if (r.status !== "ok") throw new Error("expected ok");
    expect(r.value.forecaster).to.equal("model");
    expect(r.value.fallbackReason).to.equal(undefined);
    expect(r.value.sources.old).to.deep.include({ p50: 4 });
    expect(r.value.sources.young).to.deep.include({ p50: 3, forecaster: "ema-for-young" });
    const short = r.reasons?.filter((x) => x.code === "HISTORY_SHORT") ?? [];
    expect(short).to.have.length(1);
    expect(short[0]).to.deep.include({ sourceId: "young", value: 2, limit: 88, severity: "warn" });
    expect(short[0]?.message).to.equal(
      "young has 2.0 of the 88 days of history the model needs; forecast by ema-for-young until it has",
    );
  });
});
