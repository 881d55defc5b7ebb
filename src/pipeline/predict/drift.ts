/**
 * Live error tracking for the predict stage: remembers the P50 of the model and of the baseline
 * at each tick, scores them once their horizon has passed (against the history the stage is given)
 * and says whether the model's error over the last N horizons exceeds the baseline's.
 */
import type { SourcePoint } from "../../domain/snapshot.ts";
import { coveredMean, DAY } from "../../ml/series.ts";

/** Options of the drift check. */
export interface DriftOptions {
  readonly horizonDays: number;
  /** How many horizons back the comparison looks. */
  readonly horizons: number;
  /** Fewest scored forecasts (source × tick) before drift can be declared. */
  readonly minSamples: number;
  /** Bound on remembered ticks (oldest dropped first). */
  readonly maxPending: number;
}

/** The comparison over the recent scored forecasts. */
export interface DriftCheck {
  readonly samples: number;
  readonly modelMae: number;
  readonly baselineMae: number;
  readonly drifted: boolean;
}

interface Pending {
  readonly t: number;
  readonly model: Readonly<Record<string, number>>;
  readonly baseline: Readonly<Record<string, number>>;
}

/** Creates a tracker; state lives in memory only (a restart forgets it, which only delays a fallback). */
export function createDriftTracker(opts: DriftOptions) {
  const horizonSeconds = opts.horizonDays * DAY;
  let pending: Pending[] = [];
  let scored: { t: number; modelErr: number; baselineErr: number }[] = [];
  return {
    /** Remembers one tick's P50 values by source. */
    record(t: number, model: Record<string, number>, baseline: Record<string, number>): void {
      pending.push({ t, model, baseline });
      if (pending.length > opts.maxPending) pending = pending.slice(-opts.maxPending);
    },
    /** Scores the forecasts that have matured by `asOf` and compares the recent errors. */
    check(asOf: number, history: Readonly<Record<string, readonly SourcePoint[]>>): DriftCheck {
      const still: Pending[] = [];
      for (const p of pending) {
        if (p.t + horizonSeconds > asOf) {
          still.push(p);
          continue;
        }
        for (const [id, m] of Object.entries(p.model)) {
          const b = p.baseline[id];
          const points = history[id];
          if (b === undefined || !points || points.length === 0 || points[0]!.t > p.t) continue;
          const actual = coveredMean(points, p.t, horizonSeconds);
          if (actual === undefined) continue;
          scored.push({ t: p.t, modelErr: Math.abs(m - actual), baselineErr: Math.abs(b - actual) });
        }
      }
      pending = still;
      const from = asOf - (opts.horizons + 1) * horizonSeconds;
      scored = scored.filter((s) => s.t >= from);
      let m = 0;
      let b = 0;
      for (const s of scored) {
        m += s.modelErr;
        b += s.baselineErr;
      }
      const n = scored.length;
      const modelMae = n === 0 ? 0 : m / n;
      const baselineMae = n === 0 ? 0 : b / n;
      return { samples: n, modelMae, baselineMae, drifted: n >= opts.minSamples && modelMae > baselineMae };
    },
  };
}
