import type { SkillView } from "../domain/skill.ts";
import type { Metrics } from "./metrics.ts";

/** Sets the skill-ledger gauges from the predict stage's view (served forecaster, skill ratios, tail rates). */
export function observeSkill(metrics: Metrics, view: SkillView): void {
  metrics.forecastServed.reset();
  metrics.forecastSkillRatio.reset();
  metrics.forecastTailRate.reset();
  for (const s of view.sources) {
    metrics.forecastServed.set({ source: s.sourceId, forecaster: s.served }, 1);
    for (const [forecaster, sc] of Object.entries(s.scores)) {
      if (sc.maeRatio !== null) metrics.forecastSkillRatio.set({ source: s.sourceId, forecaster }, sc.maeRatio);
    }
    const served = s.scores.served;
    if (served) {
      metrics.forecastTailRate.set({ source: s.sourceId, tail: "below_p10" }, served.belowP10);
      metrics.forecastTailRate.set({ source: s.sourceId, tail: "above_p90" }, served.aboveP90);
    }
  }
}
