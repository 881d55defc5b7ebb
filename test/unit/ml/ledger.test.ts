import { expect } from "chai";
import type { SkillEntry } from "../../../src/domain/skill.ts";
import { createSkillLedger, memorySkillStore, type ScoredEntry } from "../../../src/pipeline/predict/ledger.ts";
import { chooseForecaster } from "../../../src/pipeline/predict/select.ts";
import { hourly } from "./helpers.ts";

const T0 = Date.UTC(2024, 0, 1) / 1000;
const DAY = 86_400;

const entry = (forecaster: string, t: number, p50: number, sourceId = "a"): SkillEntry => ({
  sourceId,
  forecaster,
  t,
  p10: p50 - 1,
  p50,
  p90: p50 + 1,
});

describe("skill ledger", () => {
  // The rate is 2 for ten days, then 6.
  const history = { a: hourly(T0, 24 * 30, (h) => (h < 240 ? 2 : 6)) };

  it("scores a forecast only once its horizon has passed, against the time-weighted realised mean", () => {
    const ledger = createSkillLedger({ horizonDays: 7, keepDays: 60 });
    ledger.record([entry("model", T0 + 5 * DAY, 3)]);
    // At day 11 the later points are in the history, but the horizon [5, 12) has not passed.
    expect(ledger.score(T0 + 11 * DAY, history)).to.equal(0);
    expect(ledger.scored("a", "model", T0 + 11 * DAY, 30)).to.deep.equal([]);
    expect(ledger.score(T0 + 12 * DAY, history)).to.equal(1);
    const [s] = ledger.scored("a", "model", T0 + 12 * DAY, 30);
    // Five days at 2 and two at 6.
    expect(s!.actual).to.be.closeTo((5 * 2 + 2 * 6) / 7, 1e-9);
  });

  it("records one daily origin per source and UTC day", () => {
    const ledger = createSkillLedger({ horizonDays: 7, keepDays: 60 });
    expect(ledger.due("a", T0 + 3_600)).to.equal(true);
    ledger.record([entry("model", T0 + 3_600, 3)]);
    expect(ledger.due("a", T0 + 20 * 3_600)).to.equal(false);
    expect(ledger.due("b", T0 + 20 * 3_600)).to.equal(true);
    expect(ledger.due("a", T0 + DAY)).to.equal(true);
  });

  it("rates each forecaster against persistence on the same origins, and drops what is older than it keeps", () => {
    const store = memorySkillStore();
    const ledger = createSkillLedger({ horizonDays: 1, keepDays: 20 }, store);
    for (let d = 1; d < 8; d++) {
      ledger.record([entry("persistence", T0 + d * DAY, 2), entry("model", T0 + d * DAY, 2.5)]);
    }
    ledger.score(T0 + 9 * DAY, history);
    const scores = ledger.scores("a", T0 + 9 * DAY, 30);
    expect(scores.persistence).to.deep.include({ n: 7, mae: 0, maeRatio: null });
    expect(scores.model!.mae).to.be.closeTo(0.5, 1e-9);
    expect(scores.model!.belowP10 + scores.model!.aboveP90).to.equal(0);
    // Day 40: the entries are older than 20 days and leave the ledger and its store.
    ledger.score(T0 + 40 * DAY, history);
    expect(ledger.scores("a", T0 + 40 * DAY, 60)).to.deep.equal({});
    expect(store.entries.size).to.equal(0);
  });
});

describe("choice of forecaster per source", () => {
  const rows = (errors: number[]): ScoredEntry[] =>
    errors.map((e, i) => ({ ...entry("x", T0 + i * DAY, 3 + e), actual: 3 }));
  const o = { minScored: 5, switchMargin: 0.1 };

  it("uses the kind's prior order, skipping a forecaster that cannot serve the source, until skill can be measured", () => {
    const c = chooseForecaster({ available: ["linear", "best"], scored: {}, prior: ["model", "linear", "best"], o });
    expect(c).to.deep.include({ name: "linear", by: "PRIOR" });
    expect(c.message).to.match(/fewer than 5 realised horizons/);
  });

  it("serves the lowest MAE on the origins every compared forecaster has scored", () => {
    const c = chooseForecaster({
      available: ["model", "linear", "best"],
      scored: { model: rows([1, 1, 1, 1, 1, 1]), linear: rows([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), best: rows([2, 2]) },
      prior: ["model"],
      o,
    });
    // best has too few realised horizons to be compared.
    expect(c).to.deep.include({ name: "linear", by: "SKILL", scored: 6 });
    expect(c.mae).to.deep.equal({ model: 1, linear: 0.5 });
  });

  it("keeps the serving forecaster unless another beats it by more than the margin", () => {
    const scored = { model: rows([1, 1, 1, 1, 1]), linear: rows([0.95, 0.95, 0.95, 0.95, 0.95]) };
    const args = { available: ["model", "linear"], scored, prior: ["linear"], o };
    expect(chooseForecaster({ ...args, incumbent: "model" }).name).to.equal("model");
    expect(chooseForecaster({ ...args, incumbent: "model", o: { ...o, switchMargin: 0.01 } }).name).to.equal("linear");
  });
});
