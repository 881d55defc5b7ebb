/** Scores of quantile forecasts against realised values: MAE, MAPE, pinball, tail rates, ratio to a reference. */
import type { SkillScores } from "../domain/skill.ts";

/** One scored forecast. */
export interface Scored {
  readonly p10: number;
  readonly p50: number;
  readonly p90: number;
  readonly actual: number;
}

/** Realised means below this (APR %) are left out of MAPE. */
export const MAPE_FLOOR_PCT = 0.01;

/** Pinball loss of quantile `q` forecast `p` for realised `y`. */
export function pinball(q: number, p: number, y: number): number {
  return Math.max(q * (y - p), (q - 1) * (y - p));
}

/** Mean pinball loss over P10, P50 and P90 of one forecast. */
export function meanPinball(f: Scored): number {
  return (pinball(0.1, f.p10, f.actual) + pinball(0.5, f.p50, f.actual) + pinball(0.9, f.p90, f.actual)) / 3;
}

/**
 * The scores of `rows`; `referenceAbsErrors` (same length, the reference's |error| on the same
 * origins, or undefined where it has none) gives `maeRatio` over the rows where it exists.
 */
export function skillScores(
  rows: readonly Scored[],
  referenceAbsErrors?: readonly (number | undefined)[],
): SkillScores {
  let ae = 0;
  let ape = 0;
  let apeN = 0;
  let pin = 0;
  let below = 0;
  let above = 0;
  let pairedOwn = 0;
  let pairedRef = 0;
  let paired = 0;
  rows.forEach((r, i) => {
    const e = Math.abs(r.p50 - r.actual);
    ae += e;
    if (r.actual >= MAPE_FLOOR_PCT) {
      ape += e / r.actual;
      apeN++;
    }
    pin += meanPinball(r);
    if (r.actual < r.p10) below++;
    if (r.actual > r.p90) above++;
    const ref = referenceAbsErrors?.[i];
    if (ref !== undefined) {
      pairedOwn += e;
      pairedRef += ref;
      paired++;
    }
  });
  const n = rows.length;
  const d = Math.max(1, n);
  return {
    n,
    mae: ae / d,
    mape: (100 * ape) / Math.max(1, apeN),
    pinball: pin / d,
    belowP10: below / d,
    aboveP90: above / d,
    maeRatio: paired > 0 && pairedRef > 0 ? pairedOwn / pairedRef : null,
  };
}
