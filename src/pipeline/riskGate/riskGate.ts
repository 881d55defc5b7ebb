import type { RiskVerdict } from "../../domain/decision.ts";
import { describeError } from "../../domain/errors.ts";
import type { Reason } from "../../domain/reasons.ts";
import type { Clock } from "../../ports/clock.ts";
import type { KillSwitch } from "../../ports/execution.ts";
import { halt, ok, type Stage, type StageResult } from "../stage.ts";
import type { RiskInput } from "../types.ts";
import { checkAnomalies } from "./anomaly.ts";
import { checkDepeg } from "./depeg.ts";
import { checkImpermanentLoss, checkLiquidity, lpRanges } from "./liquidity.ts";
import { checkManipulation } from "./manipulation.ts";
import { normaliseInput, normaliseOptions } from "./normalise.ts";
import type { RiskOptions } from "./options.ts";
import { checkFreshness, checkOracles } from "./oracleRules.ts";
import { checkPortfolio } from "./portfolio.ts";
import { PriceBook } from "./prices.ts";
import { checkProtocolChanges } from "./protocolChange.ts";
import { checkScores } from "./score.ts";
import { VerdictBuilder } from "./verdictBuilder.ts";

export type { RiskOptions } from "./options.ts";

/** Ports the gate may use: the on-chain kill-switch (guardian key) and a wall clock for snapshot age. */
export interface RiskGateDeps {
  readonly killSwitch?: KillSwitch;
  readonly clock?: Clock;
}

/** The pure part of the gate: everything the rules decided, before any kill-switch is pulled. */
export interface RiskAssessment {
  readonly verdict: RiskVerdict;
  /** Reasons that stop the tick whatever the trigger policy (stale or missing data, base asset off peg). */
  readonly halts: readonly Reason[];
}

/** Current weight of each source (balance / total assets). */
export function currentWeights(input: RiskInput): Record<string, number> {
  const total = input.snapshot.vault.totalAssets;
  const out: Record<string, number> = {};
  for (const s of input.snapshot.sources) {
    out[s.id] = total > 0n ? Number((s.balance * 1_000_000_000n) / total) / 1e9 : 0;
  }
  return out;
}

/** Runs every rule on one tick's input. Pure: same input, same answer. */
export function assessRisk(rawOpts: RiskOptions, rawInput: RiskInput, nowSeconds?: number): RiskAssessment {
  const opts = normaliseOptions(rawOpts);
  const input = normaliseInput(rawInput);
  const { snapshot } = input;
  const sources = snapshot.sources;
  const b = new VerdictBuilder(
    sources.map((s) => s.id),
    opts.maxWeightPerSourceBps / 10_000,
  );
  const book = new PriceBook(snapshot, opts);
  const weights = currentWeights(input);

  checkFreshness(snapshot, book, opts, b, nowSeconds);
  checkOracles(snapshot, sources, book, b);
  checkDepeg(snapshot, sources, book, opts, b, input.history.prices);
  checkManipulation(input, book, opts, b);
  checkAnomalies(input, opts, b);
  checkProtocolChanges(snapshot, opts.monitor, b);
  checkLiquidity(input, opts, b);
  const ranges = lpRanges(input, opts);
  checkImpermanentLoss(input, opts, b, ranges);
  const scores = checkScores(input, book, opts, b);
  checkPortfolio(input, opts, b, { weights, scores, lpRanges: ranges });

  const verdict = b.build(opts.minIdleBps / 10_000, weights);
  return { verdict, halts: [...b.halts] };
}

function summarise(v: RiskVerdict): string {
  const allowed = Object.values(v.caps).filter((c) => c > 0).length;
  const figures = ["varPct", "cvarPct", "drawdownPct"]
    .filter((k) => v.metrics[k] !== undefined)
    .map((k) => `${k} ${v.metrics[k]!.toFixed(2)}`);
  return [`${allowed} allowed`, `${v.frozen.length} frozen`, `${v.forcedExits.length} forced exits`, ...figures].join(
    ", ",
  );
}

/**
 * The riskGate stage. Halts (reasons with severity `halt`) on stale or missing data and when a
 * kill-switch trigger fires; with `pauseOnTrigger` and a kill-switch it first pauses the vault on-chain.
 * With `triggerAction: "exit"` a trigger forces exits instead of halting. Otherwise it returns the verdict.
 */
export function createRiskGateStage(opts: RiskOptions, deps: RiskGateDeps = {}): Stage<RiskInput, RiskVerdict> {
  return {
    async run(input: RiskInput, signal: AbortSignal): Promise<StageResult<RiskVerdict>> {
      const nowSeconds = deps.clock ? Math.floor(deps.clock.now() / 1000) : undefined;
      const { verdict, halts } = assessRisk(opts, input, nowSeconds);
      const pulled: Reason[] = [];
      if (verdict.triggers.length > 0 && opts.pauseOnTrigger && deps.killSwitch) {
        pulled.push(await pullKillSwitch(deps.killSwitch, verdict.triggers, input.snapshot.vault.paused, signal));
      }
      const warnings = verdict.reasons.filter((r) => r.severity === "warn");
      if (halts.length > 0) return halt([...halts, ...verdict.triggers, ...pulled, ...warnings]);
      if (verdict.triggers.length > 0 && opts.triggerAction === "halt") {
        return halt([...verdict.triggers, ...pulled, ...warnings]);
      }
      if (verdict.triggers.length > 0) {
        const exited = exitEverythingTriggered(verdict, input);
        return ok(exited, `triggers fired (${verdict.triggers.map((t) => t.code).join(", ")}): ${summarise(exited)}`, [
          ...exited.reasons,
          ...pulled,
        ]);
      }
      return ok(verdict, summarise(verdict), verdict.reasons);
    },
  };
}

/** Pauses the vault for the first trigger; the outcome is a reason (a failure is reported, never thrown). */
async function pullKillSwitch(
  killSwitch: KillSwitch,
  triggers: readonly Reason[],
  alreadyPaused: boolean,
  signal: AbortSignal,
): Promise<Reason> {
  const first = triggers[0]!;
  if (alreadyPaused) {
    return {
      code: "KILL_SWITCH_ALREADY_PAUSED",
      message: `vault already paused (trigger ${first.code})`,
      severity: "warn",
    };
  }
  try {
    const tx = await killSwitch.pause(first.code, signal);
    return {
      code: "KILL_SWITCH_PULLED",
      message: `vault paused on-chain for ${first.code}${tx ? ` (tx ${tx})` : ""}`,
      severity: "halt",
    };
  } catch (err) {
    const e = describeError(err);
    return {
      code: "KILL_SWITCH_FAILED",
      message: `pausing the vault for ${first.code} failed: [${e.code}] ${e.message}${e.retryable ? " (retryable)" : ""}`,
      severity: "halt",
    };
  }
}

/** In `exit` mode a trigger about a source exits it; a portfolio-wide trigger exits every source. */
function exitEverythingTriggered(v: RiskVerdict, input: RiskInput): RiskVerdict {
  const ids = input.snapshot.sources.map((s) => s.id);
  const targeted = v.triggers.every((t) => t.sourceId !== undefined);
  const exits = new Set(v.forcedExits);
  for (const t of v.triggers) if (t.sourceId !== undefined) exits.add(t.sourceId);
  if (!targeted) for (const id of ids) exits.add(id);
  const caps = Object.fromEntries(Object.entries(v.caps).filter(([id]) => !exits.has(id)));
  return { ...v, caps, forcedExits: [...exits].sort(), frozen: [...new Set([...v.frozen, ...exits])].sort() };
}
