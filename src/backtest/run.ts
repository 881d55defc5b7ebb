import type { Dataset } from "../domain/dataset.ts";
import {
  type BacktestDeps,
  type BacktestOptions,
  isKeel,
  type KeelStrategy,
  runStrategy,
  type StrategyRun,
  strategyConfig,
} from "./engine.ts";
import { knownView } from "./known.ts";
import { type StrategyMetrics, strategyMetrics, withCapture } from "./metrics.ts";

/** What keel's decisions looked like over the run. */
export interface KeelSummary {
  readonly ticks: number;
  readonly executed: number;
  /** Ticks where a stage threw (journaled as `failed`; the replay carries on). */
  readonly failed: number;
  /** Halt reason code → ticks (the first halting reason of each halted tick). */
  readonly halts: Record<string, number>;
  /** Ticks where the risk gate froze or forced the exit of at least one source, or halted. */
  readonly risk_interventions: number;
  /** The last forecast's forecaster (`per-source` when sources were served by different ones). */
  readonly forecaster: string;
  /** Source id → the forecaster that served it in the last forecast. */
  readonly forecasters: Readonly<Record<string, string>>;
  /** Why the configured model did not serve (missing, failed, or trained on data after the start). */
  readonly model_fallback?: string;
  /** Why the learned policy did not optimize (the rule served instead), when the strategy asked for it. */
  readonly policy_fallback?: string;
}

/** Why a configured model or policy did not serve, per keel strategy. */
export interface Fallbacks {
  readonly model?: string;
  readonly policy?: Partial<Record<KeelStrategy, string>>;
}

/** A whole backtest: every strategy replayed, with metrics. */
export interface BacktestResult {
  readonly runs: StrategyRun[];
  readonly metrics: Record<string, StrategyMetrics>;
  /** Net APY and max drawdown in USD terms (a depeg of the base asset itself counts). */
  readonly usdTerms: Record<string, { net_apy_pct: number; max_drawdown_pct: number }>;
  /** Annualised volatility of daily returns, %, by strategy (kept out of the documented shape). */
  readonly volatilityPct: Record<string, number>;
  readonly keel?: KeelSummary;
  /** The same for keel with the learned policy optimizing (`keel-rl`). */
  readonly keelRl?: KeelSummary;
  /** Symbol → look-ups answered with the $1 peg (no fresh price row). */
  readonly pegReads: Record<string, number>;
}

/** Keeps, per symbol, the most look-ups any strategy answered with the $1 peg. */
export function pegCounter(): {
  add(reads: ReadonlyMap<string, number>): void;
  readonly reads: Record<string, number>;
} {
  const reads: Record<string, number> = {};
  return {
    reads,
    add(r) {
      for (const [s, n] of r) reads[s] = Math.max(reads[s] ?? 0, n);
    },
  };
}

/**
 * Runs every requested strategy over the same data and cost model, one after another in this thread,
 * then scores them. With `deps.reference` every allocation goes through the LP solver: the reference path
 * the fast one (`runBacktestParallel`) is checked against.
 */
export async function runBacktest(
  o: BacktestOptions,
  deps: BacktestDeps,
  signal: AbortSignal,
): Promise<BacktestResult> {
  const runs: StrategyRun[] = [];
  const pegs = pegCounter();
  const shared = { ...deps, known: deps.known ?? knownView(deps.data) };
  for (const name of o.strategies) runs.push(await runStrategy(name, o, shared, signal, pegs.add));
  const policy = deps.policy?.unavailableReason;
  return scoreRuns(o, deps.data, runs, pegs.reads, {
    ...(deps.forecasters?.modelUnavailableReason ? { model: deps.forecasters.modelUnavailableReason } : {}),
    ...(policy ? { policy: Object.fromEntries(policyStrategies(o).map((n) => [n, policy])) } : {}),
  });
}

/** The keel strategies of the run whose config has the learned policy optimize. */
export function policyStrategies(o: BacktestOptions): KeelStrategy[] {
  return o.strategies.filter(isKeel).filter((n) => strategyConfig(n, o.config).strategy.optimizer === "policy");
}

/** Metrics of every run (in `o.strategies` order), capture against the bound, and keel's summary. */
export function scoreRuns(
  o: BacktestOptions,
  data: Dataset,
  runs: StrategyRun[],
  pegReads: Record<string, number>,
  fallbacks: Fallbacks,
): BacktestResult {
  const raw: Record<string, StrategyMetrics> = {};
  const usdTerms: BacktestResult["usdTerms"] = {};
  const volatilityPct: Record<string, number> = {};
  const mo = { horizonDays: o.config.strategy.horizonDays };
  for (const run of runs) {
    const { volatility_pct, ...metrics } = strategyMetrics(run, data, mo);
    raw[run.name] = metrics;
    volatilityPct[run.name] = volatility_pct;
    const usd = strategyMetrics(run, data, { ...mo, numeraire: "usd" });
    usdTerms[run.name] = { net_apy_pct: usd.net_apy_pct, max_drawdown_pct: usd.max_drawdown_pct };
  }
  const summary = (name: KeelStrategy) => {
    const run = runs.find((r) => r.name === name);
    return run ? summariseKeel(run, fallbacks.model, fallbacks.policy?.[name]) : undefined;
  };
  const keel = summary("keel");
  const keelRl = summary("keel-rl");
  return {
    runs,
    metrics: withCapture(raw),
    usdTerms,
    volatilityPct,
    ...(keel ? { keel } : {}),
    ...(keelRl ? { keelRl } : {}),
    pegReads,
  };
}

function summariseKeel(
  run: StrategyRun,
  modelFallback: string | undefined,
  policyFallback: string | undefined,
): KeelSummary {
  const halts: Record<string, number> = {};
  let interventions = 0;
  let forecaster = "";
  let forecasters: Record<string, string> = {};
  for (const d of run.decisions) {
    const first = d.haltReasons.find((r) => r.severity === "halt") ?? d.haltReasons[0];
    if (d.outcome === "halted" && first) halts[first.code] = (halts[first.code] ?? 0) + 1;
    const v = d.detail.verdict;
    const gate = d.stages.find((s) => s.stage === "riskGate");
    if ((v && (v.frozen.length > 0 || v.forcedExits.length > 0)) || gate?.status === "halt") interventions += 1;
    const f = d.detail.forecast;
    if (f) {
      forecaster = f.forecaster;
      forecasters = Object.fromEntries(Object.entries(f.sources).map(([id, s]) => [id, s.forecaster ?? f.forecaster]));
    }
  }
  return {
    ticks: run.decisions.length,
    executed: run.decisions.filter((d) => d.outcome === "executed").length,
    failed: run.decisions.filter((d) => d.outcome === "failed").length,
    halts,
    risk_interventions: interventions,
    forecaster,
    forecasters,
    ...(modelFallback ? { model_fallback: modelFallback } : {}),
    ...(policyFallback ? { policy_fallback: policyFallback } : {}),
  };
}
