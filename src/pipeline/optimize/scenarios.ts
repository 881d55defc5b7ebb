import type { SourceForecast } from "../../domain/decision.ts";
import { seededRandom } from "../../domain/random.ts";
import type { SourceKind } from "../../domain/snapshot.ts";

/** z of the 90th percentile of a standard normal. */
const Z90 = 1.2815515655446004;

/** Standard normal draws (Box-Muller) from a uniform source. */
export function normalSampler(uniform: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = Math.max(uniform(), 1e-12);
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** APR in % → simple return over the horizon, in % of the amount. */
export function horizonReturnPct(aprPct: number, horizonDays: number): number {
  return (aprPct * horizonDays) / 365;
}

/** What the scenario generator needs to know about one source. */
export interface ScenarioSource {
  readonly forecast: Pick<SourceForecast, "p10" | "p50" | "p90" | "priceVolPct">;
  readonly kind: SourceKind;
}

/** Options of the scenario generator. */
export interface ScenarioOptions {
  readonly count: number;
  readonly horizonDays: number;
  /** Correlation of rate surprises across sources (one common factor). */
  readonly correlation: number;
  readonly seed?: number;
}

/**
 * Horizon returns (in % of the amount) per scenario and source: the rate follows a two-piece normal
 * through the forecast's P10/P50/P90 with one common factor; sources with a price-volatility forecast
 * add the price move (all of it for a single asset; half of it less impermanent loss ≈ m²/8 for LPs). Deterministic.
 */
export function buildScenarios(sources: readonly ScenarioSource[], opts: ScenarioOptions): number[][] {
  const normal = normalSampler(seededRandom(opts.seed ?? 0x6b65656c));
  const rho = Math.min(Math.max(opts.correlation, 0), 0.99);
  const common = Math.sqrt(rho);
  const own = Math.sqrt(1 - rho);
  const years = opts.horizonDays / 365;
  const out: number[][] = [];
  for (let s = 0; s < opts.count; s++) {
    const f = normal();
    const row: number[] = [];
    for (const src of sources) {
      const { p10, p50, p90, priceVolPct } = src.forecast;
      const z = common * f + own * normal();
      const spread = z >= 0 ? Math.max(p90 - p50, 0) : Math.max(p50 - p10, 0);
      const apr = p50 + (spread * z) / Z90;
      let r = horizonReturnPct(apr, opts.horizonDays);
      if (priceVolPct !== undefined && priceVolPct > 0) {
        // Log price move over the horizon, as a fraction.
        const m = (priceVolPct / 100) * Math.sqrt(years) * normal();
        // An LP holds about half its value in the moving token, less impermanent loss (≈ m²/8).
        r += src.kind === "lp" ? 100 * (0.5 * (Math.exp(m) - 1) - (m * m) / 8) : 100 * (Math.exp(m) - 1);
      }
      row.push(Number.isFinite(r) ? r : 0);
    }
    out.push(row);
  }
  return out;
}
