import type { Forecast, SourceForecast } from "../../domain/decision.ts";
import { type Reason, reason } from "../../domain/reasons.ts";
import type { SkillEntry, SkillView, SourceSkill } from "../../domain/skill.ts";
import type { SourceKind, SourceState } from "../../domain/snapshot.ts";
import { priceVolPct } from "../../ml/priceVol.ts";
import type { Forecaster } from "../../ports/forecaster.ts";
import type { SkillLedgerStore } from "../../ports/skillLedger.ts";
import { ok, type Stage } from "../stage.ts";
import type { Observed } from "../types.ts";
import { type CandidateRun, ENSEMBLE, runCandidates } from "./candidates.ts";
import { calibrate, calibrationFrom } from "./conformal.ts";
import { createSkillLedger, REFERENCE } from "./ledger.ts";
import { chooseForecaster, type SelectOptions } from "./select.ts";

/** Options of the predict stage (defaults in the config schema, `model.skill` and `model.calibration`). */
export interface PredictOptions {
  readonly horizonDays: number;
  /** Choice of forecaster per source by rolling skill. */
  readonly skill: SelectOptions & { readonly windowDays: number };
  /** Rolling per-source conformal calibration of the served band. */
  readonly calibration: { readonly windowDays: number; readonly minScored: number; readonly tail: number };
}

/** What the predict stage needs. */
export interface PredictDeps {
  /** The trained model (ONNX adapter), or undefined when it could not be loaded. */
  readonly model: Forecaster | undefined;
  /** Why the model is missing (shown in the decision), when it is. */
  readonly modelUnavailableReason?: string;
  /** The linear model, when one is loaded. */
  readonly linear?: Forecaster | undefined;
  readonly baseline: Forecaster;
  /** Where the skill ledger keeps its entries (memory when absent). */
  readonly ledger?: SkillLedgerStore;
  /** Told the ledger's view after every tick (API, dashboard, metrics). */
  readonly onSkill?: (view: SkillView) => void;
}

/**
 * Per kind, the forecasters in the order the walk-forward evaluation ranks them (models/README.md);
 * `baseline` stands for the configured baseline. Serves a source until its own skill can be measured.
 */
export const PRIOR_BY_KIND: Readonly<Record<SourceKind, readonly string[]>> = {
  lending: [ENSEMBLE, "model", "linear", "baseline"],
  lp: [ENSEMBLE, "model", "linear", "baseline"],
  vault: ["baseline"],
};

/** The name `served` has in the ledger: the calibrated forecast as it went out. */
export const SERVED = "served";

/**
 * The predict stage: P10/P50/P90 of the mean APR over the horizon for every source. Runs the model, the
 * linear model, their ensemble and the baseline (`runCandidates`); each source is served by the first of
 * its kind's order unless another is significantly better on that source's own realised horizons
 * (`chooseForecaster`), its band calibrated by rolling conformal shifts (`calibrationFrom`). The model never serves a
 * source whose rate measure it was not trained on (`MODEL_INPUT_UNSEEN`) or that lacks the history it
 * needs (`HISTORY_SHORT`), and a missing or failing model leaves the others serving (`fallbackReason`).
 * LP and non-base-asset sources get `priceVolPct`. Never halts.
 */
export function createPredictStage(opts: PredictOptions, deps: PredictDeps): Stage<Observed, Forecast> {
  const horizonDays = opts.horizonDays;
  const ledger = createSkillLedger(
    { horizonDays, keepDays: Math.max(opts.skill.windowDays, opts.calibration.windowDays) + 2 * horizonDays },
    deps.ledger,
  );
  const servedBefore = new Map<string, string>();
  const priorOf = (kind: SourceKind) =>
    PRIOR_BY_KIND[kind].map((p) =>
      p === "baseline" ? deps.baseline.name : p === "model" ? (deps.model?.name ?? p) : p,
    );
  return {
    async run(input) {
      const asOf = input.snapshot.timestamp;
      const fi = { snapshot: input.snapshot, history: input.history, horizonDays };
      const run = await runCandidates(input, fi, deps);
      ledger.score(asOf, input.history.sources);

      const sources: Record<string, SourceForecast> = {};
      const reasons: Reason[] = [...run.reasons];
      const view: SourceSkill[] = [];
      const entries: SkillEntry[] = [];
      for (const src of input.snapshot.sources) {
        const byName = run.candidates.get(src.id);
        if (!byName || byName.size === 0) continue;
        const available = [...byName.keys()];
        const scored = Object.fromEntries(
          available.map((n) => [n, ledger.scored(src.id, n, asOf, opts.skill.windowDays)]),
        );
        const choice = chooseForecaster({
          available,
          scored,
          prior: priorOf(src.kind),
          incumbent: servedBefore.get(src.id),
          lag: horizonDays - 1,
          o: opts.skill,
        });
        servedBefore.set(src.id, choice.name);
        const raw = byName.get(choice.name)!;
        const past = ledger.scored(src.id, choice.name, asOf, opts.calibration.windowDays);
        const cal = calibrationFrom(past, opts.calibration);
        const served = withPriceVol(calibrate(raw, cal), src, input);
        const by = raw.forecaster ?? choice.name;
        sources[src.id] = {
          ...served,
          forecaster: by,
          ...(served.p10 !== raw.p10 || served.p90 !== raw.p90 ? { uncalibrated: { p10: raw.p10, p90: raw.p90 } } : {}),
        };
        const excluded = run.excluded.get(src.id);
        if (excluded) reasons.push(excluded(by));
        if (choice.by === "SKILL") {
          reasons.push(reason("FORECASTER_BY_SKILL", `${src.id} forecast by ${choice.message}`, { sourceId: src.id }));
        }
        if (ledger.due(src.id, asOf)) entries.push(...ledgerEntries(src, asOf, byName, served));
        view.push({
          sourceId: src.id,
          kind: src.kind,
          served: by === choice.name ? by : `${choice.name}:${by}`,
          reason: excluded ? excluded(by).message : choice.message,
          calibration: cal,
          scores: ledger.scores(src.id, asOf, opts.skill.windowDays),
        });
      }
      if (entries.length > 0) ledger.record(entries);
      deps.onSkill?.({ asOf, horizonDays, windowDays: opts.skill.windowDays, sources: view });

      return forecastResult(run, sources, reasons, deps, horizonDays);
    },
  };
}

/** The stage's answer: the forecast (one forecaster's name, or "per-source"), its summary and its reasons. */
function forecastResult(
  run: CandidateRun,
  sources: Record<string, SourceForecast>,
  reasons: readonly Reason[],
  deps: PredictDeps,
  horizonDays: number,
) {
  const names = new Set(Object.values(sources).map((s) => s.forecaster));
  const ran = run.modelRan && deps.model ? deps.model : deps.baseline;
  const value: Forecast = {
    horizonDays,
    forecaster: names.size === 1 ? [...names][0]! : "per-source",
    modelHash: ran.hash,
    ...(run.global ? { fallbackReason: run.global.message } : {}),
    sources,
  };
  const summary = `forecast for ${Object.keys(sources).length} sources by ${[...names].join(", ") || "none"}`;
  return ok(value, run.global ? `${summary} (fallback: ${run.global.message})` : summary, [
    ...(run.global ? [run.global] : []),
    ...reasons,
  ]);
}

/** The ledger's entries for one source at a daily origin: every candidate, persistence and the served band. */
function ledgerEntries(
  src: SourceState,
  t: number,
  byName: ReadonlyMap<string, SourceForecast>,
  served: SourceForecast,
): SkillEntry[] {
  const entry = (forecaster: string, f: { p10: number; p50: number; p90: number }): SkillEntry => ({
    sourceId: src.id,
    forecaster,
    t,
    p10: f.p10,
    p50: f.p50,
    p90: f.p90,
  });
  const out = [...byName].map(([name, f]) => entry(name, f));
  if (!byName.has(REFERENCE) && Number.isFinite(src.aprPct))
    out.push(entry(REFERENCE, { p10: src.aprPct, p50: src.aprPct, p90: src.aprPct }));
  out.push(entry(SERVED, served));
  return out;
}

/** Adds the trailing price volatility to an LP or non-base-asset source when the forecaster did not. */
function withPriceVol(fc: SourceForecast, src: SourceState, input: Observed): SourceForecast {
  const { snapshot, history } = input;
  const vol = fc.priceVolPct ?? priceVolPct(src, snapshot.baseAsset.symbol, history.prices, snapshot.timestamp);
  return vol === undefined ? fc : { ...fc, priceVolPct: vol };
}
