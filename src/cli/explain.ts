import { formatUnits } from "../domain/amounts.ts";
import type { DecisionRecord } from "../domain/decision.ts";
import { KeelError } from "../domain/errors.ts";
import { rankedReasons } from "../domain/headline.ts";
import { withLabels } from "../observability/statusView.ts";
import { formatCommitment, type OnchainCommitment, readOnchainCommitment } from "./commitment.ts";
import { openOpsSource } from "./ops-source.ts";
import { printJson } from "./output.ts";

/** Options of `keel explain`. */
export interface ExplainOptions {
  readonly config?: string;
  readonly json?: boolean;
}

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : String(x));

/** The base asset amounts are shown in (the record's own, else what the daemon reports). */
export interface AmountUnit {
  readonly symbol: string;
  readonly decimals: number;
}

/** A base-unit amount in the asset's whole units (`1250.50 USDC`), or as base units when the asset is unknown. */
function amountText(raw: string, unit: AmountUnit | undefined): string {
  if (!unit) return `${raw} base units`;
  return `${formatUnits(BigInt(raw), unit.decimals)} ${unit.symbol}`.trim();
}

type Detail = DecisionRecord["detail"];

/** The forecast: which forecaster, then each source's quantiles beside its rate now. */
function forecastLines(
  fc: NonNullable<Detail["forecast"]>,
  rates: Detail["rates"],
  name: (id: string) => string,
): string[] {
  const out = [
    `forecast  ${fc.forecaster} (${fc.horizonDays}d)${fc.fallbackReason ? ` — fallback: ${fc.fallbackReason}` : ""}`,
  ];
  for (const s of Object.values(fc.sources)) {
    const now = rates?.[s.sourceId];
    const raw = s.uncalibrated ? `  (before calibration ${f2(s.uncalibrated.p10)}..${f2(s.uncalibrated.p90)}%)` : "";
    out.push(
      `  ${name(s.sourceId)}  P10 ${f2(s.p10)}%  P50 ${f2(s.p50)}%  P90 ${f2(s.p90)}%${now === undefined ? "" : `  (now ${f2(now)}%)`}${s.forecaster ? `  by ${s.forecaster}` : ""}${raw}`,
    );
  }
  return out;
}

/** The risk verdict: its figures, frozen sources, forced exits and triggers. */
function riskLines(
  v: NonNullable<Detail["verdict"]>,
  name: (id: string) => string,
  labels: Readonly<Record<string, string>>,
): string[] {
  const out = [
    `risk      ${
      Object.entries(v.metrics)
        .map(([k, x]) => `${k} ${f2(x)}%`)
        .join(", ") || "no figures"
    }`,
  ];
  if (v.frozen.length) out.push(`  frozen: ${v.frozen.map(name).join(", ")}`);
  if (v.forcedExits.length) out.push(`  forced exits: ${v.forcedExits.map(name).join(", ")}`);
  for (const t of v.triggers) out.push(`  TRIGGER ${t.code}: ${withLabels(t.message, labels)}`);
  return out;
}

/** A decision record as text: what was seen, what each stage said and why, what was done. */
export function formatDecision(
  r: DecisionRecord,
  labels: Readonly<Record<string, string>> = {},
  onchain?: OnchainCommitment | string,
  assetUnit?: AmountUnit,
): string {
  const out: string[] = [];
  const unit = r.detail.snapshot?.asset ?? assetUnit;
  const amount = (raw: string) => amountText(raw, unit);
  const name = (id: string) => labels[id] ?? id;
  const d = r.detail;
  out.push(`decision ${r.id}  ${r.outcome.toUpperCase()}`);
  // The headline is the most severe reason (src/domain/codes.ts), then every reason in that order.
  const ranked = rankedReasons(r);
  const top = ranked[0];
  if (top) out.push(`  headline ${top.reason.code} (${top.severity}): ${withLabels(top.reason.message, labels)}`);
  out.push(
    `  started ${new Date(r.startedAt).toISOString()}  trigger ${r.trigger}  chain ${r.chainId}  block ${r.block ?? "–"}`,
  );
  out.push(`  config ${r.configHash}  model ${r.modelHash || "–"}`);
  out.push("stages");
  for (const s of r.stages) {
    out.push(
      `  ${s.stage.padEnd(9)} ${s.status.padEnd(7)} ${String(s.durationMs).padStart(6)} ms  ${withLabels(s.summary, labels)}`,
    );
    if (s.error) out.push(`      error ${s.error.code}${s.error.retryable ? " (retryable)" : ""}: ${s.error.message}`);
  }
  // Errors are listed with their stage above.
  const reasons = ranked.filter((x) => x.class !== "error");
  if (reasons.length > 0) {
    out.push("reasons");
    for (const { reason: x } of reasons) {
      const bound =
        x.value !== undefined ? ` (value ${f2(x.value)}${x.limit !== undefined ? `, limit ${f2(x.limit)}` : ""})` : "";
      out.push(
        `  ${x.severity.padEnd(4)} ${x.code}: ${withLabels(x.message, labels)}${x.sourceId && !withLabels(x.message, labels).includes(name(x.sourceId)) ? ` [${name(x.sourceId)}]` : ""}${bound}`,
      );
    }
  }
  if (d.snapshot)
    out.push(
      `snapshot  total ${amount(d.snapshot.totalAssets)}, idle ${amount(d.snapshot.idle)}${d.snapshot.paused ? ", PAUSED" : ""}`,
    );
  if (d.forecast) out.push(...forecastLines(d.forecast, d.rates, name));
  if (d.verdict) out.push(...riskLines(d.verdict, name, labels));
  if (d.plan) {
    out.push(`plan      gain P10 $${f2(d.plan.gainP10Usd)}, P50 $${f2(d.plan.gainP50Usd)}`);
    for (const m of d.plan.moves)
      out.push(
        `  ${m.direction.padEnd(8)} ${amount(m.amount)} ${m.direction === "withdraw" ? "from" : "into"} ${name(m.sourceId)}`,
      );
    const r = d.plan.rerange;
    if (r)
      out.push(
        `  re-range ${name(r.sourceId)} to ticks [${r.tickLower}, ${r.tickUpper}): gain $${f2(r.gainUsd)} vs cost $${f2(r.costUsd)}`,
      );
  }
  if (d.gas) out.push(`gas       ${d.gas.gasUnits} units, $${f2(d.gas.costUsd)}, gain/cost ${f2(d.gas.gainToCost)}`);
  if (d.action) {
    const a = d.action;
    out.push(
      `action    ${a.route} ${a.status}${a.block !== undefined ? ` in block ${a.block}` : ""}  intent ${a.intentId}`,
    );
    for (const h of a.txHashes) out.push(`  tx ${h}`);
  }
  if (d.plan && d.plan.moves.length > 0) out.push(...formatCommitment(r, onchain));
  return `${out.join("\n")}\n`;
}

/** `keel explain ID`: a decision from the journal with its reasons (daemon API first, then the files). */
export async function explainCommand(
  id: string,
  opts: ExplainOptions,
  deps: { fetch?: typeof fetch } = {},
): Promise<void> {
  const source = openOpsSource(opts.config, deps.fetch ?? fetch);
  // `latest`: the newest decision in the journal.
  const record = id === "latest" ? source.recentFromJournal(1)[0] : await source.decision(id);
  if (!record) {
    throw new KeelError("DECISION_NOT_FOUND", `no decision ${id} in the journal (${source.journalPath})`, {
      retryable: false,
    });
  }
  if (opts.json) {
    printJson(record);
    return;
  }
  // A decision that sent a rebalance: its on-chain commitment beside the journal's hashes.
  const sent = record.detail.action && record.detail.action.route !== "dry-run";
  const onchain = sent ? await readOnchainCommitment(source.loaded, record.id) : undefined;
  const status = await source.daemonStatus();
  const labels = { ...source.loaded.config.contracts.sourceLabels, ...status?.sourceLabels };
  const vault = status?.vault;
  const unit = vault?.symbol ? { symbol: vault.symbol, decimals: vault.decimals } : undefined;
  process.stdout.write(formatDecision(record, labels, onchain, unit));
}
