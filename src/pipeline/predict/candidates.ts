/**
 * The candidate forecasts of one tick: the model's and the linear model's where they may forecast a
 * source (trained on its rate measure, enough history), and the baseline's for every source.
 */
import type { SourceForecast } from "../../domain/decision.ts";
import { describeError } from "../../domain/errors.ts";
import { type Reason, reason } from "../../domain/reasons.ts";
import type { SourceState } from "../../domain/snapshot.ts";
import { meanForecast } from "../../ml/schedule.ts";
import type { Forecaster, ForecastInput } from "../../ports/forecaster.ts";
import type { Observed } from "../types.ts";

/** The name of the quantile-wise mean of the model's and the linear model's forecasts. */
export const ENSEMBLE = "ensemble";

/** Per source: forecaster name → its forecast. */
export type Candidates = Map<string, Map<string, SourceForecast>>;

/** What one tick's forecasters produced, and why some could not serve. */
export interface CandidateRun {
  readonly candidates: Candidates;
  /** Reasons about the model as a whole (missing, failed): the forecast's `fallbackReason`. */
  readonly global?: Reason;
  /** Per source, why the model does not forecast it, given who serves it instead. */
  readonly excluded: Map<string, (servedBy: string) => Reason>;
  /** Other reasons (the linear model failed). */
  readonly reasons: Reason[];
  /** Whether the model ran. */
  readonly modelRan: boolean;
}

/** Runs the forecasters of one tick. */
export async function runCandidates(
  input: Observed,
  fi: ForecastInput,
  deps: {
    readonly model: Forecaster | undefined;
    readonly modelUnavailableReason?: string;
    readonly linear?: Forecaster | undefined;
    readonly baseline: Forecaster;
  },
): Promise<CandidateRun> {
  const candidates: Candidates = new Map(input.snapshot.sources.map((s) => [s.id, new Map()]));
  const add = (name: string, out: Readonly<Record<string, SourceForecast>>) => {
    for (const [id, f] of Object.entries(out)) candidates.get(id)?.set(name, f);
  };
  add(deps.baseline.name, await deps.baseline.forecast(fi));
  const reasons: Reason[] = [];
  const excluded = new Map<string, (servedBy: string) => Reason>();
  let global: Reason | undefined;
  let modelRan = false;
  if (!deps.model) {
    global = reason("MODEL_UNAVAILABLE", deps.modelUnavailableReason ?? "no model loaded", { severity: "warn" });
  } else {
    try {
      const out = await deps.model.forecast(fi);
      modelRan = true;
      add(deps.model.name, eligible(deps.model, out, input, excluded));
    } catch (err) {
      const e = describeError(err);
      global = reason("MODEL_FAILED", `model failed: [${e.code}] ${e.message}`, { severity: "warn" });
    }
  }
  if (deps.linear) {
    try {
      add(deps.linear.name, eligible(deps.linear, await deps.linear.forecast(fi), input));
    } catch (err) {
      const e = describeError(err);
      reasons.push(reason("LINEAR_FAILED", `linear model failed: [${e.code}] ${e.message}`, { severity: "warn" }));
    }
  }
  if (deps.model && deps.linear) addEnsemble(candidates, deps.model.name, deps.linear.name);
  return { candidates, ...(global ? { global } : {}), excluded, reasons, modelRan };
}

/**
 * The forecaster's forecasts of the sources it may serve: not one it declines (a rate measure it never
 * saw) nor one with less history than it needs. With `excluded`, each left-out source gets its reason.
 */
function eligible(
  f: Forecaster,
  out: Readonly<Record<string, SourceForecast>>,
  input: Observed,
  excluded?: Map<string, (servedBy: string) => Reason>,
): Record<string, SourceForecast> {
  const kept: Record<string, SourceForecast> = {};
  for (const src of input.snapshot.sources) {
    const unseen = f.declines?.(src);
    const days = historyDays(input, src);
    const need = f.minHistoryDays;
    if (unseen !== undefined) {
      excluded?.set(src.id, (by) =>
        reason("MODEL_INPUT_UNSEEN", `the model does not forecast ${src.id} (${unseen}); forecast by ${by}`, {
          sourceId: src.id,
          severity: "warn",
        }),
      );
    } else if (need !== undefined && days < need) {
      excluded?.set(src.id, (by) =>
        reason(
          "HISTORY_SHORT",
          `${src.id} has ${days.toFixed(1)} of the ${need} days of history the model needs; forecast by ${by} until it has`,
          { sourceId: src.id, value: Math.round(days * 10) / 10, limit: need, severity: "warn" },
        ),
      );
    } else if (out[src.id] === undefined) {
      excluded?.set(src.id, (by) =>
        reason("MODEL_SOURCE_FALLBACK", `model had no forecast for ${src.id}; using ${by}`, { sourceId: src.id }),
      );
    } else kept[src.id] = out[src.id]!;
  }
  return kept;
}

/** Where the model and the linear model both forecast a source, their quantile-wise mean as `ensemble`. */
function addEnsemble(candidates: Candidates, model: string, linear: string): void {
  for (const [id, byName] of candidates) {
    const a = byName.get(model);
    const b = byName.get(linear);
    if (a && b) byName.set(ENSEMBLE, meanForecast(id, [a, b]));
  }
}

/** Days of history a source has at the snapshot. */
function historyDays(input: Observed, src: SourceState): number {
  const first = input.history.sources[src.id]?.[0];
  return first ? Math.max(0, (input.snapshot.timestamp - first.t) / 86_400) : 0;
}
