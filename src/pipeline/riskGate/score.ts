/**
 * Protocol risk score 0-100 per source (higher is safer): a transparent weighted mean of components,
 * each 0-100 and visible in the verdict — audit recency, TVL, incident history, oracle quality and our
 * concentration in the pool. A score below `minProtocolScore` freezes the source.
 */
import { toFloat } from "../../domain/amounts.ts";
import type { SourceState } from "../../domain/snapshot.ts";
import type { RiskInput } from "../types.ts";
import { incidentMatches } from "./anomaly.ts";
import type { RiskOptions, ScoreComponent } from "./options.ts";
import { type PriceBook, tokensOf } from "./prices.ts";
import type { VerdictBuilder } from "./verdictBuilder.ts";

const clamp = (x: number) => Math.max(0, Math.min(100, x));
const YEAR = 365 * 86_400;

/** Score components of one source, each 0-100. */
export function scoreComponents(
  s: SourceState,
  input: RiskInput,
  book: PriceBook,
  opts: RiskOptions,
): Record<ScoreComponent, number> {
  const { snapshot, history } = input;
  const facts = opts.protocols[s.protocol.toLowerCase()];
  // Audit: 100 for a fresh audit, halving about every 1.4 years; 50 when unknown; Lindy bonus for age.
  let audit = facts?.auditAgeDays === undefined ? (facts ? 0 : 50) : 100 * Math.exp(-facts.auditAgeDays / 730);
  if (facts?.ageYears !== undefined) audit = clamp(audit + 10 * Math.min(facts.ageYears, 5));
  // TVL: $1M → 0, $10B → 100 (log scale).
  const tvl = clamp(25 * (Math.log10(Math.max(s.tvlUsd, 1)) - 6));
  // Incidents: each incident weighs 1, halving every two years of age.
  let weight = 0;
  for (const i of history.incidents) {
    if (i.t <= snapshot.timestamp && incidentMatches(s.protocol, i.protocol, facts)) {
      weight += 2 ** (-(snapshot.timestamp - i.t) / (2 * YEAR));
    }
  }
  const incidents = 100 * Math.exp(-weight);
  // Oracle quality: worst token; two agreeing origins 100, one origin 70, disagreeing 30, unusable 0.
  let oracle = 100;
  for (const tok of tokensOf(s.asset)) {
    const h = book.health(tok);
    const q = h.status === "ok" ? (h.byOrigin.length >= 2 ? 100 : 70) : h.status === "disagree" ? 30 : 0;
    oracle = Math.min(oracle, q);
  }
  // Concentration: our share of the pool; at 1 / minDepthToPositionRatio (5 % by default) it reaches 0.
  const dec = snapshot.baseAsset.decimals;
  const positionUsd = toFloat(s.balance, dec) * (snapshot.baseAsset.priceUsd || 1);
  const share = s.tvlUsd > 0 ? positionUsd / s.tvlUsd : positionUsd > 0 ? 1 : 0;
  const concentration = clamp(100 * (1 - share * Math.max(opts.minDepthToPositionRatio, 1)));
  return { audit, tvl, incidents, oracle, concentration };
}

/** Weighted score from components and weights (weights normalised to sum 1). */
export function weightedScore(
  components: Record<ScoreComponent, number>,
  weights: Readonly<Record<ScoreComponent, number>>,
): number {
  let num = 0;
  let den = 0;
  for (const k of Object.keys(components) as ScoreComponent[]) {
    num += components[k] * weights[k];
    den += weights[k];
  }
  return den > 0 ? num / den : 0;
}

/** Scores every source, records them, freezes those below the minimum; returns the scores. */
export function checkScores(
  input: RiskInput,
  book: PriceBook,
  opts: RiskOptions,
  b: VerdictBuilder,
): Record<string, number> {
  const scores: Record<string, number> = {};
  for (const s of input.snapshot.sources) {
    const components = scoreComponents(s, input, book, opts);
    const score = weightedScore(components, opts.scoreWeights);
    scores[s.id] = score;
    b.detail(s.id, { score, scoreComponents: components });
    if (score < opts.minProtocolScore) {
      const parts = Object.entries(components)
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(", ");
      b.freeze(s.id, {
        code: "SCORE_LOW",
        message: `${s.id} frozen: protocol risk score ${score.toFixed(0)} < ${opts.minProtocolScore} (${parts})`,
        sourceId: s.id,
        value: score,
        limit: opts.minProtocolScore,
        severity: "warn",
      });
    }
  }
  return scores;
}
