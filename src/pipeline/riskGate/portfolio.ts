/**
 * Portfolio risk: VaR / CVaR (historical and parametric), EVaR and share-price drawdown, with limits
 * that shrink caps (per source, standalone at its cap; and for the current holdings when the portfolio
 * breaches) and a drawdown kill-switch trigger.
 */
import type { RiskInput } from "../types.ts";
import type { PriceRange } from "./il.ts";
import { drawdown, historicalEvar, historicalTail, meanStd, normalTail } from "./measures.ts";
import type { RiskOptions } from "./options.ts";
import { buildScenarios } from "./scenarios.ts";
import type { VerdictBuilder } from "./verdictBuilder.ts";

/** Loss distribution of a weighted portfolio: historical scenarios plus one incident atom per held source. */
export function portfolioLosses(
  returns: readonly Float64Array[],
  weights: readonly number[],
  incidentProb: readonly number[],
  shock: number,
): { losses: number[]; probs: number[]; histLosses: number[] } {
  const histLosses = returns.map((row) => {
    let l = 0;
    for (let i = 0; i < weights.length; i++) l -= weights[i]! * row[i]!;
    return l;
  });
  const atoms: number[] = [];
  const atomProbs: number[] = [];
  for (let i = 0; i < weights.length; i++) {
    if (weights[i]! > 0 && incidentProb[i]! > 0) {
      atoms.push(weights[i]! * shock);
      atomProbs.push(incidentProb[i]!);
    }
  }
  const pAtoms = Math.min(
    0.5,
    atomProbs.reduce((a, p) => a + p, 0),
  );
  const scale = pAtoms > 0 ? pAtoms / atomProbs.reduce((a, p) => a + p, 0) : 0;
  const n = histLosses.length;
  const probs = [...histLosses.map(() => (n > 0 ? (1 - pAtoms) / n : 0)), ...atomProbs.map((p) => p * scale)];
  return { losses: [...histLosses, ...atoms], probs, histLosses };
}

/** Inputs besides the tick: per-source protocol scores and v3 ranges. */
export interface PortfolioContext {
  readonly weights: Readonly<Record<string, number>>;
  readonly scores: Readonly<Record<string, number>>;
  readonly lpRanges: Readonly<Record<string, PriceRange>>;
}

/** The drawdown of the vault's share price (history plus now) into the metrics; beyond the limit, a trigger. */
function checkDrawdown(input: RiskInput, opts: RiskOptions, b: VerdictBuilder): void {
  const { snapshot, history } = input;
  // Drawdown of the vault's share price (history plus now).
  const dd = drawdown([...history.sharePrice.map((p) => p.value), snapshot.vault.sharePrice]);
  b.metrics.drawdownPct = dd.current * 100;
  b.metrics.maxDrawdownPct = dd.max * 100;
  if (dd.current * 100 > opts.maxDrawdownPct) {
    b.trigger({
      code: "DRAWDOWN_LIMIT",
      message: `share price is ${(dd.current * 100).toFixed(2)} % below its peak (limit ${opts.maxDrawdownPct} %)`,
      value: dd.current * 100,
      limit: opts.maxDrawdownPct,
      severity: "halt",
    });
  }
}

/**
 * Standalone limits per source at unit weight — its own scenario losses plus its incident atom: the cap may not
 * exceed limit / risk-per-unit (VaR, CVaR, EVaR). Returns, per source, whether it carries any risk (VaR > 0).
 */
function standaloneCaps(
  sources: RiskInput["snapshot"]["sources"],
  returns: readonly Float64Array[],
  { incidentProb, shock, alpha }: { incidentProb: readonly number[]; shock: number; alpha: number },
  opts: RiskOptions,
  b: VerdictBuilder,
): boolean[] {
  const risky: boolean[] = [];
  const n = returns.length;
  const unitLosses = new Array<number>(n + 1);
  const unitProbs = new Array<number>(n + 1);
  for (let i = 0; i < sources.length; i++) {
    const s = sources[i]!;
    // Standalone at unit weight: the source's own scenario losses plus its incident atom.
    const p = incidentProb[i]!;
    for (let k = 0; k < n; k++) {
      unitLosses[k] = -returns[k]![i]!;
      unitProbs[k] = (1 - p) / n;
    }
    unitLosses[n] = shock;
    unitProbs[n] = p;
    const t1 = historicalTail(unitLosses, alpha, unitProbs);
    risky.push(t1.var > 0);
    capFromLimit(b, s.id, t1.var, opts.maxVarPct, "VAR_LIMIT", "VaR");
    capFromLimit(b, s.id, t1.cvar, opts.maxCvarPct, "CVAR_LIMIT", "CVaR");
    // EVaR per unit never exceeds the worst loss (≤ 100 %), so a limit of 100 % or more cannot bind.
    if (opts.maxEvarPct < 100) {
      capFromLimit(b, s.id, historicalEvar(unitLosses, alpha, unitProbs), opts.maxEvarPct, "EVAR_LIMIT", "EVaR");
    }
  }
  return risky;
}

/** Computes the portfolio figures, applies the VaR/CVaR/EVaR limits and the drawdown trigger. */
export function checkPortfolio(input: RiskInput, opts: RiskOptions, b: VerdictBuilder, ctx: PortfolioContext): void {
  const { snapshot, history, forecast } = input;
  const sources = snapshot.sources;
  const alpha = opts.confidence;
  const years = forecast.horizonDays / 365;

  checkDrawdown(input, opts, b);

  const built = buildScenarios({
    sources,
    history,
    baseSymbol: snapshot.baseAsset.symbol,
    horizonDays: forecast.horizonDays,
    stepSeconds: opts.scenarioStepSeconds,
    priceAliases: opts.priceAliases,
    fallbackAprPct: Object.fromEntries(Object.entries(forecast.sources).map(([id, f]) => [id, f.p50])),
    lpRanges: ctx.lpRanges,
  });
  // Without history the only scenario is the forecast yield (plus the incident atoms).
  const scen =
    built.returns.length > 0
      ? built
      : {
          times: [history.asOf],
          returns: [Float64Array.from(sources, (s) => ((forecast.sources[s.id]?.p50 ?? s.aprPct) / 100) * years)],
        };
  const shock = opts.incidentShockPct / 100;
  const incidentProb = sources.map((s) =>
    Math.min(0.5, opts.incidentYearlyProbabilityAtScore0 * (1 - (ctx.scores[s.id] ?? 50) / 100) * years),
  );

  // Current portfolio.
  const w = sources.map((s) => ctx.weights[s.id] ?? 0);
  const cur = portfolioLosses(scen.returns, w, incidentProb, shock);
  const tail = historicalTail(cur.losses, alpha, cur.probs);
  const ms = meanStd(cur.histLosses);
  const param = normalTail(ms.mean, ms.std, alpha);
  const evar = historicalEvar(cur.losses, alpha, cur.probs);
  Object.assign(b.metrics, {
    varPct: tail.var * 100,
    cvarPct: tail.cvar * 100,
    varParamPct: param.var * 100,
    cvarParamPct: param.cvar * 100,
    evarPct: evar * 100,
  });
  const pctOf = (x: number) => `${(x * 100).toFixed(2)} %`;
  b.note({
    code: built.returns.length === 0 ? "RISK_NO_HISTORY" : "PORTFOLIO_RISK",
    message:
      `${forecast.horizonDays}-day loss at ${alpha * 100} %: VaR ${pctOf(tail.var)}, CVaR ${pctOf(tail.cvar)} (parametric ${pctOf(param.var)} / ${pctOf(param.cvar)}), EVaR ${pctOf(evar)}, ` +
      (built.returns.length === 0
        ? "from the forecast yield and incident scenarios only (no history)"
        : `from ${built.returns.length} historical scenarios plus incident scenarios`),
    value: built.returns.length,
    severity: "info",
  });

  const risky = standaloneCaps(sources, scen.returns, { incidentProb, shock, alpha }, opts, b);

  shrinkOnBreach(sources, w, risky, { var: tail.var, cvar: tail.cvar, evar }, opts, b);
}

/** A breach of the current portfolio's VaR, CVaR or EVaR shrinks the caps of the risky sources it holds, proportionally. */
function shrinkOnBreach(
  sources: RiskInput["snapshot"]["sources"],
  w: readonly number[],
  risky: readonly boolean[],
  tail: { var: number; cvar: number; evar: number },
  opts: RiskOptions,
  b: VerdictBuilder,
): void {
  const breaches: [string, "VAR_BREACH" | "CVAR_BREACH" | "EVAR_BREACH", number, number][] = [
    ["VAR_LIMIT", "VAR_BREACH", tail.var * 100, opts.maxVarPct],
    ["CVAR_LIMIT", "CVAR_BREACH", tail.cvar * 100, opts.maxCvarPct],
    ["EVAR_LIMIT", "EVAR_BREACH", tail.evar * 100, opts.maxEvarPct],
  ];
  for (const [code, breach, value, limit] of breaches) {
    if (!(value > limit) || value <= 0) continue;
    const k = limit / value;
    b.note({
      code: breach,
      message: `portfolio ${code.split("_")[0]} ${value.toFixed(2)} % exceeds ${limit} %: caps of held sources scaled by ${k.toFixed(3)}`,
      value,
      limit,
      severity: "warn",
    });
    for (let i = 0; i < sources.length; i++) {
      if (w[i]! > 0 && risky[i])
        b.capAt(sources[i]!.id, w[i]! * k, code, `portfolio ${value.toFixed(2)} % > ${limit} %`);
    }
  }
}

function capFromLimit(
  b: VerdictBuilder,
  id: string,
  riskPerUnit: number,
  limitPct: number,
  code: string,
  label: string,
): void {
  if (!(riskPerUnit > 0)) return;
  const cap = limitPct / 100 / riskPerUnit;
  b.capAt(id, cap, code, `standalone ${label} ${(riskPerUnit * 100).toFixed(2)} % per unit of weight vs ${limitPct} %`);
}
