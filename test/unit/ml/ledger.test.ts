import { expect } from "chai";
import { normalQuantile } from "../../../src/domain/normal.ts";
import { seededRandom } from "../../../src/domain/random.ts";
import type { SkillEntry } from "../../../src/domain/skill.ts";
import { createSkillLedger, memorySkillStore, type ScoredEntry } from "../../../src/pipeline/predict/ledger.ts";
import { chooseForecaster, dieboldMariano } from "../../../src/pipeline/predict/select.ts";
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
  /** Scored entries with the given absolute errors, one per daily origin. */
  const rows = (errors: number[]): ScoredEntry[] =>
    errors.map((e, i) => ({ ...entry("x", T0 + i * DAY, 3 + e), actual: 3 }));
  /** Two error series from one seed: the reference's around 1, the challenger's around `level`. */
  const pair = (seed: number, level: number, amp: number) => {
    const r = seededRandom(seed);
    const ensemble = Array.from({ length: 40 }, () => 1 + amp * r());
    const best = Array.from({ length: 40 }, () => level + amp * r());
    return { errors: { ensemble, best }, scored: { ensemble: rows(ensemble), best: rows(best) } };
  };
  const o = { minScored: 20, confidence: 0.95 };
  const base = { prior: ["ensemble", "model", "linear", "best"], lag: 6, o, available: ["ensemble", "best"] };

  it("serves the kind's first forecaster that can serve the source while others cannot be judged yet", () => {
    const c = chooseForecaster({
      ...base,
      available: ["linear", "best"],
      scored: { linear: rows([1]), best: rows([0]) },
    });
    expect(c).to.deep.include({ name: "linear", by: "PRIOR" });
    expect(c.message).to.match(/fewer than 20 realised horizons/);
  });

  it("hands a source to a forecaster only when it is significantly better there (Diebold-Mariano)", () => {
    const c = chooseForecaster({ ...base, scored: pair(1, 0.4, 0.3).scored });
    expect(c).to.deep.include({ name: "best", by: "SKILL" });
    expect(c.message).to.match(
      /^best: MAE 0\.\d+ points below ensemble's over 40 realised horizons \(Diebold-Mariano z = -\d/,
    );
    // Errors 3 % lower on average but buried in noise (z = -0.51): the reference stays.
    const d = chooseForecaster({ ...base, scored: pair(1, 0.92, 0.8).scored });
    expect(d).to.deep.include({ name: "ensemble", by: "PRIOR" });
    expect(d.message).to.match(/none significantly better over 40 realised horizons/);
  });

  it("keeps a challenger that took over while it stays better at half the z", () => {
    const { errors, scored } = pair(1, 0.88, 0.8);
    const dm = dieboldMariano(
      errors.best.map((e, i) => e - errors.ensemble[i]!),
      6,
    );
    expect(dm).to.be.within(-normalQuantile(0.95), -normalQuantile(0.95) / 2);
    expect(chooseForecaster({ ...base, scored }).name).to.equal("ensemble");
    expect(chooseForecaster({ ...base, scored, incumbent: "best" }).name).to.equal("best");
  });

  it("widens the Diebold-Mariano variance for overlapping horizons (HAC), and has the right normal quantiles", () => {
    // Loss differences that persist for a week at a time, as overlapping 7-day horizons make them.
    const diffs = Array.from({ length: 84 }, (_, i) => -0.1 + (Math.floor(i / 7) % 2 === 0 ? 0.3 : -0.3));
    expect(Math.abs(dieboldMariano(diffs, 6))).to.be.below(0.7 * Math.abs(dieboldMariano(diffs, 0)));
    expect(normalQuantile(0.95)).to.be.closeTo(1.644854, 1e-5);
    expect(normalQuantile(0.975)).to.be.closeTo(1.959964, 1e-5);
    expect(normalQuantile(0.5)).to.be.closeTo(0, 1e-9);
    expect(normalQuantile(0.01)).to.be.closeTo(-2.326348, 1e-5);
  });
});
